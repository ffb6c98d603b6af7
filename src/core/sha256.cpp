#include "irrev/core/sha256.hpp"

#include <openssl/evp.h>

#include <fmt/format.h>

#include <fstream>

#include "irrev/core/error.hpp"

namespace irrev {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : m_impl(std::make_unique<Impl>()) {
  IRREV_ASSERT(m_impl->ctx && EVP_DigestInit_ex(m_impl->ctx, EVP_sha256(), nullptr) == 1,
               "OpenSSL's SHA-256 did not start");
}
Sha256::~Sha256() = default;

Sha256& Sha256::update(const void* data, std::size_t bytes) {
  EVP_DigestUpdate(m_impl->ctx, data, bytes);
  return *this;
}

std::string Sha256::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(m_impl->ctx, md, &len);
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

std::string sha256_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  IRREV_CHECK(in.good(), "cannot read '{}' to checksum it", path);
  Sha256 h;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  return h.hex();
}

}  // namespace irrev
