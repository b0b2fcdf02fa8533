#pragma once
// A small lab of hosts for multi-host tests: network namespaces joined by a bridge.
//
// NetnsLab(3) creates namespaces "picos-<pid>-<n>-h0..h2" (n counts labs of this process) and a
// hub namespace holding a bridge; each host has lo and "veth0" (10.197.5.<i+1>/24, broadcast
// 10.197.5.255, and fd97:5::<i+1>/64) plugged into the bridge. Everything is removed by the destructor, also when a
// test fails (deleting a namespace deletes its links); labs left behind by a process that was
// killed are deleted by the next lab made on the host. Needs root (CAP_NET_ADMIN and
// CAP_SYS_ADMIN) and `ip` from iproute2; when the lab cannot be made, ok() is false and
// skip_reason() says why, so the test can print it and return.

#include <picos/subprocess.hpp>

#include <functional>
#include <string>
#include <vector>

namespace net_test {

class NetnsLab {
 public:
  explicit NetnsLab(int hosts);
  ~NetnsLab();
  NetnsLab(const NetnsLab&) = delete;
  NetnsLab& operator=(const NetnsLab&) = delete;

  [[nodiscard]] bool ok() const noexcept { return skip_reason_.empty(); }
  [[nodiscard]] const std::string& skip_reason() const noexcept { return skip_reason_; }
  [[nodiscard]] int hosts() const noexcept { return static_cast<int>(hosts_.size()); }
  // The namespace name of host `index`.
  [[nodiscard]] const std::string& host(int index) const { return hosts_.at(static_cast<std::size_t>(index)); }
  // The IPv4 address of host `index` on the lab's network.
  [[nodiscard]] static std::string address(int index);
  // The IPv6 address of host `index` on the lab's network.
  [[nodiscard]] static std::string address6(int index);

  // Starts `argv` inside host `index` (`ip netns exec HOST argv...`; ip execs the program, so
  // the child is the program itself and kill() reaches it). Throws std::system_error.
  [[nodiscard]] picos::Subprocess spawn_in(int index, std::vector<std::string> argv, bool pipe_stdout = true) const;
  // Runs `body` on a thread that entered host `index`'s namespace and waits for it: sockets it
  // opens, and threads it starts, live in that namespace. Throws std::system_error when the
  // namespace cannot be entered; exceptions of `body` are rethrown.
  void run_in_host(int index, const std::function<void()>& body) const;
  // Sets host `index`'s veth0 down or up. Throws std::runtime_error when `ip` fails.
  void set_link(int index, bool up) const;
  // Fault injection: puts the queueing discipline `qdisc` (tc syntax after "root", e.g.
  // "netem loss 5% delay 20ms") on host `index`'s veth0 and on its port at the bridge, so the
  // host's traffic goes through it both ways. False, with nothing left behind, when tc refuses it
  // (e.g. a kernel without that qdisc).
  [[nodiscard]] bool impair(int index, const std::string& qdisc) const;
  // Fault injection without netem: drops `percent` % of host `index`'s packets at random, both
  // ways, with an nftables rule in the host's namespace (`numgen random mod 100 < percent`). False,
  // with nothing left behind, when nft is missing or the kernel refuses the rule.
  [[nodiscard]] bool drop_randomly(int index, int percent) const;
  // Removes what impair() and drop_randomly() added (idempotent).
  void repair(int index) const;
  // Packets dropped so far on host `index` by the qdiscs impair() put there and the rule of
  // drop_randomly() (both directions); 0 without either.
  [[nodiscard]] long long dropped(int index) const;

 private:
  bool run(const std::string& command);
  std::string prefix_;
  std::string hub_;
  std::vector<std::string> hosts_;
  std::vector<std::string> created_;
  std::string skip_reason_;
};

}  // namespace net_test
