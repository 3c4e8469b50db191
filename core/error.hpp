// Errors: library code throws zcnas::Error and never exits, so a search loop can recover.
#pragma once
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace zcnas {

// An error about the user's input or the library's preconditions; the message names the input.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace zcnas

// Throws zcnas::Error with a fmt-formatted message when `cond` is false.
#define ZCNAS_REQUIRE(cond, ...)                                 \
  do {                                                           \
    if (!(cond)) throw ::zcnas::Error(fmt::format(__VA_ARGS__)); \
  } while (0)
