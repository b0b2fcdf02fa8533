// Windows CNG: the algorithm providers are opened per call (BCRYPT_HMAC_SHA256_ALG_HANDLE and
// friends need Windows 10; picos targets 7 and later, see meson.build's _WIN32_WINNT), and
// BCryptGenRandom uses the system-preferred generator, which needs no provider handle at all.
#include "net/crypto.hpp"

#include <windows.h>
#include <bcrypt.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace picos::net {
namespace {

[[noreturn]] void fail(const char* what, NTSTATUS status) {
  char code[16];
  std::snprintf(code, sizeof code, "0x%08lx", static_cast<unsigned long>(status));
  throw std::runtime_error(std::string("picos: ") + what + " failed in Windows CNG (NTSTATUS " + code + ")");
}

void check(NTSTATUS status, const char* what) {
  if (!BCRYPT_SUCCESS(status)) fail(what, status);
}

struct AlgorithmCloser {
  void operator()(void* handle) const noexcept { ::BCryptCloseAlgorithmProvider(handle, 0); }
};
struct HashDestroyer {
  void operator()(void* handle) const noexcept { ::BCryptDestroyHash(handle); }
};

}  // namespace

Bytes hmac_sha256(std::string_view key, std::span<const std::byte> input) {
  BCRYPT_ALG_HANDLE opened = nullptr;
  check(::BCryptOpenAlgorithmProvider(&opened, BCRYPT_SHA256_ALGORITHM, nullptr, BCRYPT_ALG_HANDLE_HMAC_FLAG),
        "opening HMAC-SHA256");
  const std::unique_ptr<void, AlgorithmCloser> algorithm(opened);
  // An empty key: CNG takes a null secret of length 0 for HMAC.
  static unsigned char empty_key = 0;
  auto* key_bytes = key.empty() ? &empty_key : reinterpret_cast<unsigned char*>(const_cast<char*>(key.data()));
  BCRYPT_HASH_HANDLE created = nullptr;
  check(::BCryptCreateHash(algorithm.get(), &created, nullptr, 0, key_bytes, static_cast<ULONG>(key.size()), 0),
        "creating an HMAC-SHA256 hash");
  const std::unique_ptr<void, HashDestroyer> hash(created);
  if (!input.empty()) {
    check(::BCryptHashData(hash.get(), reinterpret_cast<unsigned char*>(const_cast<std::byte*>(input.data())),
                           static_cast<ULONG>(input.size()), 0),
          "hashing for HMAC-SHA256");
  }
  Bytes mac(sha256_mac_size);
  check(::BCryptFinishHash(hash.get(), reinterpret_cast<unsigned char*>(mac.data()), static_cast<ULONG>(mac.size()), 0),
        "finishing HMAC-SHA256");
  return mac;
}

void fill_random(std::span<std::byte> out) {
  if (out.empty()) return;
  check(::BCryptGenRandom(nullptr, reinterpret_cast<unsigned char*>(out.data()), static_cast<ULONG>(out.size()),
                          BCRYPT_USE_SYSTEM_PREFERRED_RNG),
        "producing random bytes");
}

bool same_bytes_in_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) noexcept {
  if (a.size() != b.size()) return false;
  // Every byte is read whatever the earlier ones were; volatile keeps the compiler from
  // turning the loop into an early-exit comparison.
  volatile unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference = static_cast<unsigned char>(difference | static_cast<unsigned char>(a[i] ^ b[i]));
  }
  return difference == 0;
}

}  // namespace picos::net
