#include "netns_support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace net_test {
namespace {

// Quiet: the lab's own commands print nothing unless they fail (then the skip reason says which).
int shell(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

// Deletes the namespaces of labs whose process died without its destructors (killed, or a
// crash doctest reported): names "picos-<pid>-..." whose pid no longer exists.
void remove_stale_labs() {
  DIR* directory = ::opendir("/var/run/netns");
  if (directory == nullptr) return;
  std::vector<std::string> stale;
  while (const dirent* entry = ::readdir(directory)) {
    const std::string name = entry->d_name;
    if (name.rfind("picos-", 0) != 0) continue;
    const auto dash = name.find('-', 6);
    if (dash == std::string::npos) continue;
    const std::string pid = name.substr(6, dash - 6);
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    struct stat info {};
    if (::stat(("/proc/" + pid).c_str(), &info) != 0) stale.push_back(name);
  }
  ::closedir(directory);
  for (const std::string& name : stale) (void)shell("ip netns delete " + name);
}

}  // namespace

NetnsLab::NetnsLab(int hosts) {
  static std::atomic<int> labs{0};
  prefix_ = "picos-" + std::to_string(::getpid()) + "-" + std::to_string(labs++);
  hub_ = prefix_ + "-hub";
  if (::geteuid() != 0) {
    skip_reason_ = "not root (network namespaces need CAP_NET_ADMIN and CAP_SYS_ADMIN)";
    return;
  }
  if (shell("ip -V") != 0) {
    skip_reason_ = "the ip command (iproute2) is missing";
    return;
  }
  remove_stale_labs();
  if (!run("ip netns add " + hub_)) return;
  created_.push_back(hub_);
  if (!run("ip -n " + hub_ + " link add br0 type bridge") || !run("ip -n " + hub_ + " link set br0 up") ||
      !run("ip -n " + hub_ + " link set lo up")) {
    return;
  }
  for (int i = 0; i < hosts; ++i) {
    const std::string name = prefix_ + "-h" + std::to_string(i);
    const std::string port = "p" + std::to_string(i);
    if (!run("ip netns add " + name)) return;
    created_.push_back(name);
    hosts_.push_back(name);
    if (!run("ip link add veth0 netns " + name + " type veth peer name " + port + " netns " + hub_) ||
        !run("ip -n " + hub_ + " link set " + port + " master br0") ||
        !run("ip -n " + hub_ + " link set " + port + " up") || !run("ip -n " + name + " link set lo up") ||
        !run("ip -n " + name + " addr add " + address(i) + "/24 brd + dev veth0") ||
        !run("ip -n " + name + " addr add " + address6(i) + "/64 dev veth0 nodad") ||
        !run("ip -n " + name + " link set veth0 up")) {
      return;
    }
  }
}

NetnsLab::~NetnsLab() {
  // Hosts first: deleting a namespace deletes its end of the veth pair, then the hub.
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) (void)shell("ip netns delete " + *it);
}

bool NetnsLab::run(const std::string& command) {
  if (shell(command) == 0) return true;
  skip_reason_ = "cannot build the namespace lab: `" + command + "` failed";
  return false;
}

std::string NetnsLab::address(int index) { return "10.197.5." + std::to_string(index + 1); }

std::string NetnsLab::address6(int index) { return "fd97:5::" + std::to_string(index + 1); }

picos::Subprocess NetnsLab::spawn_in(int index, std::vector<std::string> argv, bool pipe_stdout) const {
  picos::SubprocessOptions options;
  options.argv = {"ip", "netns", "exec", host(index)};
  options.argv.insert(options.argv.end(), argv.begin(), argv.end());
  options.pipe_stdout = pipe_stdout;
  options.pipe_stderr = false;
  return picos::Subprocess::spawn(options);
}

void NetnsLab::run_in_host(int index, const std::function<void()>& body) const {
  const std::string path = "/var/run/netns/" + host(index);
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path);
      const int entered = ::setns(fd, CLONE_NEWNET);
      const int error = errno;
      ::close(fd);
      if (entered != 0) throw std::system_error(error, std::generic_category(), "setns " + path);
      body();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
}

void NetnsLab::set_link(int index, bool up) const {
  const std::string command = "ip -n " + host(index) + " link set veth0 " + (up ? "up" : "down");
  if (shell(command) != 0) throw std::runtime_error("`" + command + "` failed");
}

bool NetnsLab::impair(int index, const std::string& qdisc) const {
  const std::string port = "p" + std::to_string(index);
  if (shell("ip netns exec " + host(index) + " tc qdisc add dev veth0 root " + qdisc) != 0) return false;
  if (shell("ip netns exec " + hub_ + " tc qdisc add dev " + port + " root " + qdisc) != 0) {
    repair(index);
    return false;
  }
  return true;
}

bool NetnsLab::drop_randomly(int index, int percent) const {
  const std::string nft = "ip netns exec " + host(index) + " nft ";
  const std::string rule = " numgen random mod 100 '<' " + std::to_string(percent) + " counter drop";
  const bool added = shell(nft + "add table inet picos_fault") == 0 &&
                     shell(nft + "add chain inet picos_fault in '{ type filter hook input priority 0; }'") == 0 &&
                     shell(nft + "add chain inet picos_fault out '{ type filter hook output priority 0; }'") == 0 &&
                     shell(nft + "add rule inet picos_fault in" + rule) == 0 &&
                     shell(nft + "add rule inet picos_fault out" + rule) == 0;
  if (!added) (void)shell(nft + "delete table inet picos_fault");
  return added;
}

void NetnsLab::repair(int index) const {
  (void)shell("ip netns exec " + host(index) + " tc qdisc del dev veth0 root");
  (void)shell("ip netns exec " + hub_ + " tc qdisc del dev p" + std::to_string(index) + " root");
  (void)shell("ip netns exec " + host(index) + " nft delete table inet picos_fault");
}

namespace {

// The sum of the numbers after each `label` in what `command` prints.
long long sum_after(const std::string& command, const std::string& label) {
  FILE* output = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (output == nullptr) return 0;
  std::string text;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, output) != nullptr) text += buffer;
  (void)::pclose(output);
  long long total = 0;
  for (auto at = text.find(label); at != std::string::npos; at = text.find(label, at + label.size())) {
    total += std::atoll(text.c_str() + at + label.size());
  }
  return total;
}

}  // namespace

long long NetnsLab::dropped(int index) const {
  // tc: "Sent N bytes M pkt (dropped D, overlimits ...)"; nft: "counter packets N bytes M drop".
  return sum_after("ip netns exec " + host(index) + " tc -s qdisc show dev veth0 root", "dropped ") +
         sum_after("ip netns exec " + hub_ + " tc -s qdisc show dev p" + std::to_string(index) + " root", "dropped ") +
         sum_after("ip netns exec " + host(index) + " nft list table inet picos_fault", "counter packets ");
}

}  // namespace net_test
