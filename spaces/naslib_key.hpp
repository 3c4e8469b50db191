// NASLib (NAS-Bench-Suite-Zero) keys an arch in its zero-cost tables, zc_<space>.json, by Python's str() of an int
// tuple, e.g. "(4, 0, 3, 1, 4, 3)"; each space that NASLib covers says what the integers are.
#pragma once
#include <string>
#include <vector>

namespace zcnas {

std::string naslib_tuple(const std::vector<int>& values);
// Throws naming the key and the space (its title) when the text is not such a tuple.
std::vector<int> parse_naslib_tuple(const std::string& key, const std::string& space_title);

}  // namespace zcnas
