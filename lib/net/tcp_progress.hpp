#pragma once
// What the kernel knows about a TCP connection's outgoing bytes: how many the peer's kernel has
// acknowledged, and how many still wait for an acknowledgement. Links use it to tell a peer whose
// answers are held behind a long backlog on a slow network (acknowledgements keep coming) from a
// silent one (docs/protocol.md, "Connections and links").

#include <cstdint>
#include <optional>

namespace picos::net {

// Bytes sent on the TCP socket `fd` that the peer's kernel has acknowledged so far (a counter
// that only grows); std::nullopt where the system does not say (not Linux, a kernel before 4.2,
// not a TCP socket). Never throws.
[[nodiscard]] std::optional<std::uint64_t> acknowledged_bytes(int fd) noexcept;

// Bytes queued on the TCP socket `fd` that the peer's kernel has not acknowledged yet (sent or
// not); std::nullopt where the system does not say. Never throws.
[[nodiscard]] std::optional<std::uint64_t> unacknowledged_bytes(int fd) noexcept;

}  // namespace picos::net
