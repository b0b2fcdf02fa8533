// picos::resolve(): getaddrinfo() off the scheduler thread.
#include "core/scheduler_core.hpp"
#include "io/os_socket.hpp"
#include "poller/io_errors.hpp"

#include <picos/socket_address.hpp>
#include <picos/thread_pool.hpp>

#include <memory>
#include <string>
#include <system_error>

namespace picos {
namespace {

class ResolverCategory final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "getaddrinfo"; }
  [[nodiscard]] std::string message(int code) const override { return ::gai_strerror(code); }
};

const std::error_category& resolver_category() {
  static const ResolverCategory category;
  return category;
}

std::vector<SocketAddress> lookup(const std::string& host, std::uint16_t port, AddressFamily family) {
  addrinfo hints{};
  hints.ai_family = family == AddressFamily::ipv4 ? AF_INET : family == AddressFamily::ipv6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  detail::start_sockets();
  addrinfo* found = nullptr;
  const int error = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
#ifdef EAI_SYSTEM
  if (error == EAI_SYSTEM) detail::throw_errno(errno, ("resolve " + host).c_str());
#endif
  if (error != 0) throw std::system_error(error, resolver_category(), "picos: resolve '" + host + "'");
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(found, &::freeaddrinfo);
  std::vector<SocketAddress> result;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_family == AF_INET || entry->ai_family == AF_INET6) {
      result.push_back(SocketAddress::from_native(entry->ai_addr, entry->ai_addrlen));
    }
  }
  if (result.empty()) throw std::system_error(EAI_NONAME, resolver_category(), "picos: resolve '" + host + "'");
  return result;
}

}  // namespace

std::vector<SocketAddress> resolve(std::string_view host, std::uint16_t port, AddressFamily family,
                                   Timeout timeout) {
  std::string name(host);
  try {
    return {SocketAddress::parse(name, port)};  // numeric: no lookup needed
  } catch (const std::invalid_argument&) {
  }
  if (detail::SchedulerCore::current_task() == nullptr) return lookup(name, port, family);
  if (timeout.is_infinite()) return ThreadPool::shared().run(&lookup, name, port, family);
  // With a limit: the lookup runs in a helper task so this task can stop waiting.
  auto answer = std::make_shared<std::vector<SocketAddress>>();
  TaskOptions options;
  options.name = "resolve";
  options.daemon = true;
  Task helper = spawn(options, [answer, name, port, family] {
    *answer = ThreadPool::shared().run(&lookup, name, port, family);
  });
  helper.finish(timeout);
  return *answer;
}

}  // namespace picos
