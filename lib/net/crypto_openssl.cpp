#include "net/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace picos::net {

Bytes hmac_sha256(std::string_view key, std::span<const std::byte> input) {
  Bytes mac(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  // OpenSSL wants a non-null key pointer even for an empty key.
  static const unsigned char empty_key = 0;
  const void* key_data = key.empty() ? static_cast<const void*>(&empty_key) : static_cast<const void*>(key.data());
  if (HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(input.data()),
           input.size(), reinterpret_cast<unsigned char*>(mac.data()), &length) == nullptr) {
    throw std::runtime_error("picos: HMAC-SHA256 failed in OpenSSL");
  }
  mac.resize(length);
  return mac;
}

void fill_random(std::span<std::byte> out) {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("picos: OpenSSL could not produce random bytes");
  }
}

bool same_bytes_in_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace picos::net
