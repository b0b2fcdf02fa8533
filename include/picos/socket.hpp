#pragma once
/// @file socket.hpp
/// TCP and UDP sockets over IPv4 and IPv6 whose blocking calls suspend only the calling task.
///
/// Common rules for every call marked [B]:
/// - From a task it parks only that task; from a plain thread (or after set_blocking(true)) it
///   blocks the calling thread instead ("blocking mode"). A socket is bound to the scheduler of the
///   first task that waits on it; tasks of another scheduler get std::logic_error.
/// - `timeout`: the limit of this call; when omitted, the socket's timeout (set_timeout(),
///   default none). Every timeout throws std::system_error with std::errc::timed_out.
/// - I/O failures throw std::system_error with the errno (e.g. connection_reset, broken_pipe).
///   End of stream is an empty result, never an error.
/// - close() from any task or thread wakes every task waiting on the socket: they throw
///   std::system_error(std::errc::operation_canceled).
/// - terminate()/raise() of the waiting task are thrown from the call as usual.
/// Sockets are movable, not copyable; the destructor closes (for TLS: after close_notify).

#include <picos/socket_address.hpp>
#include <picos/timeout.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace picos {

class TlsContext;
namespace detail {
struct IoHandle;
class TlsSession;
}  // namespace detail

/// A per-call timeout: std::nullopt means "the socket's timeout".
using CallTimeout = std::optional<Timeout>;

/// What shutdown() closes.
enum class ShutdownHow : std::uint8_t { read, write, both };

/// What every socket has: the descriptor, its timeout, options and addresses.
class Socket {
 public:
  Socket() noexcept;
  Socket(Socket&& other) noexcept;
  Socket& operator=(Socket&& other) noexcept;
  ~Socket();

  /// True until close(). [N]
  [[nodiscard]] bool is_open() const noexcept;
  /// The OS descriptor (-1 when closed). [N]
  [[nodiscard]] int native_handle() const noexcept;
  /// Closes the socket and wakes its waiters (see the file comment). Idempotent. [N] for plain
  /// sockets; a TLS stream first sends close_notify (bounded by the socket's timeout, at most 5s).
  void close() noexcept;

  /// The timeout of calls that do not give their own (default: none). [N]
  void set_timeout(Timeout timeout) noexcept { timeout_ = timeout; }
  [[nodiscard]] Timeout timeout() const noexcept { return timeout_; }
  /// Blocking mode: calls block the calling thread even inside a task (pycos blocking sockets).
  /// Calls from plain threads always block their thread. [N]
  void set_blocking(bool blocking) noexcept { blocking_ = blocking; }
  [[nodiscard]] bool blocking() const noexcept { return blocking_; }

  /// The local address (after bind/connect). Throws std::system_error. [N]
  [[nodiscard]] SocketAddress local_address() const;
  /// setsockopt()/getsockopt() with an int value. Throws std::system_error. [N]
  void set_option(int level, int name, int value);
  [[nodiscard]] int option(int level, int name) const;
  /// SO_REUSEADDR. [N]
  void set_reuse_address(bool on);

 protected:
  explicit Socket(int fd);
  // The handle, or throws std::system_error(bad_file_descriptor) when closed.
  [[nodiscard]] std::shared_ptr<detail::IoHandle> live(const char* call) const;
  [[nodiscard]] std::int64_t deadline(const CallTimeout& timeout) const noexcept;

  std::shared_ptr<detail::IoHandle> handle_;
  Timeout timeout_;
  bool blocking_ = false;
  std::shared_ptr<detail::TlsSession> tls_;  // TcpStream only; shared with calls in progress
};

/// A connected TCP stream, optionally with TLS (see tls.hpp).
class TcpStream : public Socket {
 public:
  /// An unconnected (closed) stream.
  TcpStream() noexcept = default;

  /// [B] Connects to `address`. With `tls`, the TLS client handshake completes before it returns
  /// (verifying the server as `tls` says, against `server_name` when given). Throws as [B] says;
  /// TLS failures throw picos::TlsError.
  static TcpStream connect(const SocketAddress& address, CallTimeout timeout = {},
                           std::shared_ptr<const TlsContext> tls = nullptr, std::string_view server_name = {});
  /// [B] Resolves `host` (see resolve()) and tries its addresses in order until one connects; the
  /// timeout covers everything. With `tls` the host name is also the name the certificate must
  /// match.
  static TcpStream connect(std::string_view host, std::uint16_t port, CallTimeout timeout = {},
                           std::shared_ptr<const TlsContext> tls = nullptr);

  /// [B] Up to `max_bytes` bytes, waiting until at least one arrives; empty at end of stream.
  std::string recv(std::size_t max_bytes, CallTimeout timeout = {});
  /// [B] Same into `buffer`; returns the byte count (0 at end of stream).
  std::size_t recv_into(std::span<char> buffer, CallTimeout timeout = {});
  /// [B] Exactly `bytes` bytes, or fewer if the stream ends first. On timeout throws timed_out;
  /// the bytes received so far are then lost.
  std::string recvall(std::size_t bytes, CallTimeout timeout = {});
  /// [B] One line, up to and including '\n' (the last line may lack it); empty at end of stream.
  /// A line longer than `max_bytes` throws std::system_error(std::errc::message_size).
  std::string recv_line(std::size_t max_bytes = 65536, CallTimeout timeout = {});
  /// [B] Sends some of `data` (at least one byte unless empty); returns the byte count.
  std::size_t send(std::string_view data, CallTimeout timeout = {});
  /// [B] Sends all of `data`. On timeout throws timed_out (an unknown part was sent).
  void sendall(std::string_view data, CallTimeout timeout = {});

  /// [B] One message framed by a 4-byte big-endian length. std::nullopt when the stream ends
  /// before a message starts; a stream ending inside a message throws
  /// std::system_error(std::errc::connection_aborted). A message longer than max_message_size()
  /// is read and discarded, then std::system_error(std::errc::message_size) is thrown: the stream
  /// stays in step and the next call reads the next message.
  std::optional<std::string> recv_msg(CallTimeout timeout = {});
  /// [B] Sends `message` with its length prefix. Longer than max_message_size(): throws
  /// std::system_error(std::errc::message_size) before sending anything.
  void send_msg(std::string_view message, CallTimeout timeout = {});
  /// The largest message recv_msg()/send_msg() accept (default 16 MiB). [N]
  void set_max_message_size(std::size_t bytes) noexcept { max_message_ = bytes; }
  [[nodiscard]] std::size_t max_message_size() const noexcept { return max_message_; }

  /// Half-close: ShutdownHow::write sends FIN (the peer then reads end of stream). With TLS,
  /// shutting down writes sends close_notify first. [N] (TLS: [B], bounded by the timeout)
  void shutdown(ShutdownHow how = ShutdownHow::write);
  /// The peer's address. Throws std::system_error when not connected. [N]
  [[nodiscard]] SocketAddress peer_address() const;
  /// TCP_NODELAY. [N]
  void set_no_delay(bool on);

  /// [B] Starts TLS on this connected stream: client side when `server` is false (verifying the
  /// peer as `context` says, against `server_name`), server side otherwise. The handshake
  /// completes before it returns. Throws picos::TlsError naming the reason, or timed_out.
  void start_tls(std::shared_ptr<const TlsContext> context, bool server, std::string_view server_name = {},
                 CallTimeout timeout = {});
  /// [B] Completes a pending server handshake (streams accepted from a TLS listener do it in
  /// their first call otherwise). No-op without TLS or when done. Throws like start_tls().
  void handshake(CallTimeout timeout = {});
  /// True when TLS is active on this stream. [N]
  [[nodiscard]] bool is_tls() const noexcept { return tls_ != nullptr; }

 private:
  friend class TcpListener;
  explicit TcpStream(int fd) : Socket(fd) {}
  std::size_t raw_read(char* data, std::size_t size, std::int64_t deadline);
  void raw_write_all(const char* data, std::size_t size, std::int64_t deadline);
  std::size_t read_some(char* data, std::size_t size, std::int64_t deadline);
  std::size_t read_full(char* data, std::size_t size, std::int64_t deadline);  // < size at end of stream
  std::size_t fill(std::int64_t deadline);  // appends to buffered_; 0 at end of stream
  std::string buffered_;                     // read ahead by recv_line()
  std::size_t max_message_ = 16 * 1024 * 1024;
};

/// A listening TCP socket.
class TcpListener : public Socket {
 public:
  TcpListener() noexcept = default;
  /// Binds and listens on `address` (port 0: any free port, see local_address()). SO_REUSEADDR is
  /// set; an IPv6 address also accepts IPv4 unless `v6_only`. Throws std::system_error. [N]
  static TcpListener bind(const SocketAddress& address, int backlog = 128, bool v6_only = false);
  /// [B] Waits for a connection. The stream is ready for use; with a TLS listener its server
  /// handshake runs in its first call (or handshake()), so a slow client cannot stall the accept
  /// loop.
  TcpStream accept(CallTimeout timeout = {});
  /// Makes accepted streams TLS server streams. [N]
  void set_tls(std::shared_ptr<const TlsContext> context) noexcept { tls_context_ = std::move(context); }

 private:
  explicit TcpListener(int fd) : Socket(fd) {}
  std::shared_ptr<const TlsContext> tls_context_;
};

/// A UDP socket.
class UdpSocket : public Socket {
 public:
  UdpSocket() noexcept = default;
  /// An unbound socket of `family` (ipv4 or ipv6). Throws std::system_error. [N]
  static UdpSocket open(AddressFamily family = AddressFamily::ipv4);
  /// A socket bound to `address` (port 0: any free port). Throws std::system_error. [N]
  static UdpSocket bind(const SocketAddress& address);
  /// [B] Sends one datagram to `address`; returns its size.
  std::size_t sendto(std::string_view data, const SocketAddress& address, CallTimeout timeout = {});
  /// [B] One datagram of at most `max_bytes` (longer ones are truncated) and its sender.
  std::pair<std::string, SocketAddress> recvfrom(std::size_t max_bytes = 65536, CallTimeout timeout = {});
  /// Sets the default peer for send()/recv() (and filters received datagrams). [N]
  void connect(const SocketAddress& address);
  /// [B] send()/recv() on a connected UDP socket.
  std::size_t send(std::string_view data, CallTimeout timeout = {});
  std::string recv(std::size_t max_bytes = 65536, CallTimeout timeout = {});

 private:
  explicit UdpSocket(int fd) : Socket(fd) {}
};

}  // namespace picos
