#pragma once
// The three cryptographic primitives peers need (handshake MACs, discovery ping tags, nonces and
// reference ids), behind one interface: OpenSSL where the build has it (crypto_openssl.cpp),
// Windows CNG (BCrypt) in the mingw-w64 build, which has no OpenSSL (crypto_bcrypt.cpp).

#include <picos/serialization.hpp>

#include <cstddef>
#include <span>
#include <string_view>

namespace picos::net {

inline constexpr std::size_t sha256_mac_size = 32;

// HMAC-SHA256 of `input` under `key` (an empty key is allowed): 32 bytes. Throws
// std::runtime_error when the crypto library fails.
[[nodiscard]] Bytes hmac_sha256(std::string_view key, std::span<const std::byte> input);

// Fills `out` with bytes from the operating system's cryptographic random generator. Throws
// std::runtime_error when it fails.
void fill_random(std::span<std::byte> out);

// Whether `a` and `b` hold the same bytes, in a time that depends only on their sizes (so a
// forger cannot learn a MAC byte by byte from response times).
[[nodiscard]] bool same_bytes_in_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) noexcept;

}  // namespace picos::net
