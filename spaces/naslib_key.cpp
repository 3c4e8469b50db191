// Python's str() of an int tuple, written and read.
#include "spaces/naslib_key.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>

#include "core/error.hpp"

namespace zcnas {

std::string naslib_tuple(const std::vector<int>& values) {
  // A one-element tuple keeps its comma in Python: "(4,)".
  return values.size() == 1 ? fmt::format("({},)", values[0]) : fmt::format("({})", fmt::join(values, ", "));
}

std::vector<int> parse_naslib_tuple(const std::string& key, const std::string& space_title) {
  const auto fail = [&] {
    return Error(
        fmt::format("NASLib key '{}' is not an {} arch tuple such as \"(4, 0, 3, 1, 4, 3)\"", key, space_title));
  };
  if (key.size() < 2 || key.front() != '(' || key.back() != ')') throw fail();
  std::vector<int> values;
  const char* p = key.data() + 1;
  const char* end = key.data() + key.size() - 1;
  while (p < end) {
    while (p < end && *p == ' ') ++p;
    int v = 0;
    const auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc()) throw fail();
    values.push_back(v);
    p = next;
    while (p < end && *p == ' ') ++p;
    if (p < end && *p != ',') throw fail();
    if (p < end) ++p;
  }
  if (values.empty()) throw fail();
  return values;
}

}  // namespace zcnas
