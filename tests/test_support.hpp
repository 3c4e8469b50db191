// Shared helpers for the tests: where ../shared lives, and skipping when it is absent.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "core/error.hpp"

namespace zcnas::test {

inline std::string shared_path(const std::string& rel) { return std::string(ZCNAS_SHARED_DIR) + "/" + rel; }

inline bool shared_available(const std::string& rel) { return std::filesystem::exists(shared_path(rel)); }

// The message of the zcnas::Error that fn throws, or "" when it throws none.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace zcnas::test

// Skips the test, saying which file of ../shared is missing.
#define ZCNAS_REQUIRE_SHARED(rel)                                                                          \
  do {                                                                                                     \
    if (!::zcnas::test::shared_available(rel))                                                             \
      GTEST_SKIP() << "skipped: " << ::zcnas::test::shared_path(rel) << " is absent (../shared not present)"; \
  } while (0)
