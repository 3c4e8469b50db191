// MD5 digests through OpenSSL's EVP interface, for NB101's cell hash (SPEC.md §5), which is defined by MD5
// hex strings. One Md5 object reuses its context across calls: the cell hash takes ~50 short digests per cell.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace zcnas::nb101 {

using Digest = std::array<uint8_t, 16>;

// Lowercase hex, as Python's hexdigest(): 32 characters. Byte order and hex order sort alike.
std::string hex(const Digest& digest);
void write_hex(const Digest& digest, char* out32);
// Parses 32 hex digits (either case); false when `text` is not exactly that.
bool parse_hex(std::string_view text, Digest& digest);
// The order of the digests' hex strings.
inline bool digest_less(const Digest& a, const Digest& b) { return a < b; }

// Not thread-safe: one per thread.
class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;

  Digest operator()(std::string_view bytes);

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace zcnas::nb101
