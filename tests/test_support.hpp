// Shared helpers for the tests: where ../shared lives, and skipping when it is absent.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace zcnas::test {

inline std::string shared_path(const std::string& rel) { return std::string(ZCNAS_SHARED_DIR) + "/" + rel; }

inline bool shared_available(const std::string& rel) { return std::filesystem::exists(shared_path(rel)); }

}  // namespace zcnas::test

// Skips the test, saying which file of ../shared is missing.
#define ZCNAS_REQUIRE_SHARED(rel)                                                                          \
  do {                                                                                                     \
    if (!::zcnas::test::shared_available(rel))                                                             \
      GTEST_SKIP() << "skipped: " << ::zcnas::test::shared_path(rel) << " is absent (../shared not present)"; \
  } while (0)
