// MD5 through OpenSSL 3's EVP interface: the algorithm is fetched once per Md5 and the context reused.
#include "spaces/nb101/md5.hpp"

#include <openssl/evp.h>

#include "core/error.hpp"

namespace zcnas::nb101 {

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

void write_hex(const Digest& digest, char* out32) {
  for (size_t i = 0; i < digest.size(); ++i) {
    out32[2 * i] = kHexDigits[digest[i] >> 4];
    out32[2 * i + 1] = kHexDigits[digest[i] & 15];
  }
}

std::string hex(const Digest& digest) {
  std::string text(32, '0');
  write_hex(digest, text.data());
  return text;
}

bool parse_hex(std::string_view text, Digest& digest) {
  if (text.size() != 2 * digest.size()) return false;
  for (size_t i = 0; i < digest.size(); ++i) {
    const int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    digest[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

struct Md5::Context {
  EVP_MD* md = nullptr;
  EVP_MD_CTX* ctx = nullptr;
};

Md5::Md5() : context_(std::make_unique<Context>()) {
  context_->md = EVP_MD_fetch(nullptr, "MD5", nullptr);
  context_->ctx = EVP_MD_CTX_new();
  if (context_->md == nullptr || context_->ctx == nullptr) {
    EVP_MD_CTX_free(context_->ctx);
    EVP_MD_free(context_->md);
    throw Error("OpenSSL offers no MD5 digest (EVP_MD_fetch(\"MD5\") failed)");
  }
}

Md5::~Md5() {
  EVP_MD_CTX_free(context_->ctx);
  EVP_MD_free(context_->md);
}

Digest Md5::operator()(std::string_view bytes) {
  Digest digest{};
  unsigned int length = 0;
  const bool ok = EVP_DigestInit_ex(context_->ctx, context_->md, nullptr) == 1 &&
                  EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size()) == 1 &&
                  EVP_DigestFinal_ex(context_->ctx, digest.data(), &length) == 1 && length == digest.size();
  ZCNAS_REQUIRE(ok, "OpenSSL's MD5 failed on a message of {} bytes", bytes.size());
  return digest;
}

}  // namespace zcnas::nb101
