// The physical limit for picos-bench: bare Boost.Context jumps with no scheduler, no queue and no
// task bookkeeping. Prints the protocol line of
// bench/common/protocol.hpp.
//
// Usage: boost-context-raw-peer <scenario> boost-context-raw <n>
//   switch  two contexts jumping back and forth: one round trip is main -> partner -> main
//   churn   n short tasks in batches of 1000 (the churn shape of every program): a batch makes
//           1000 contexts on 1000 stacks that are allocated once and reused by every batch, then
//           runs each to completion
#include <boost/context/detail/fcontext.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "../common/meter.hpp"
#include "../common/protocol.hpp"

namespace {

using boost::context::detail::fcontext_t;
using boost::context::detail::jump_fcontext;
using boost::context::detail::make_fcontext;
using boost::context::detail::transfer_t;
using picos_bench::Figures;
using picos_bench::Stopwatch;

constexpr std::uint64_t churn_batch = 1000;
constexpr std::size_t stack_size = 16 * 1024;

/// A stack for one context; make_fcontext takes its top (stacks grow down on every target here).
struct Stack {
  alignas(64) std::byte bytes[stack_size];
  [[nodiscard]] void* top() { return bytes + stack_size; }
};

void require_impl(std::string_view impl) {
  if (impl != "boost-context-raw") {
    throw std::invalid_argument("unknown impl for this program: " + std::string(impl));
  }
}

/// Partner of the switch scenario: jumps straight back to whoever jumped in, forever.
[[noreturn]] void bounce(transfer_t from) {
  for (;;) from = jump_fcontext(from.fctx, nullptr);
}

/// Body of a churn task: counts itself, then returns control for good (its stack is reused).
[[noreturn]] void short_task(transfer_t from) {
  ++*static_cast<std::uint64_t*>(from.data);
  jump_fcontext(from.fctx, nullptr);
  std::abort();  // never resumed
}

Figures switch_round_trips(std::string_view impl, std::uint64_t n) {
  require_impl(impl);
  auto stack = std::make_unique<Stack>();
  fcontext_t partner = make_fcontext(stack->top(), stack_size, bounce);
  Stopwatch clock;
  for (std::uint64_t i = 0; i < n; ++i) partner = jump_fcontext(partner, nullptr).fctx;
  return Figures{{"ns_per_roundtrip", clock.seconds() * 1e9 / static_cast<double>(n)}};
}

Figures churn(std::string_view impl, std::uint64_t n) {
  require_impl(impl);
  auto stacks = std::make_unique<Stack[]>(churn_batch);
  auto batch = std::make_unique<fcontext_t[]>(churn_batch);
  std::uint64_t finished = 0;
  Stopwatch clock;
  for (std::uint64_t spawned = 0; spawned < n;) {
    const std::uint64_t size = std::min(churn_batch, n - spawned);
    for (std::uint64_t i = 0; i < size; ++i) {
      batch[i] = make_fcontext(stacks[i].top(), stack_size, short_task);
    }
    for (std::uint64_t i = 0; i < size; ++i) jump_fcontext(batch[i], &finished);
    spawned += size;
  }
  const double seconds = clock.seconds();
  if (finished != n) throw std::logic_error("churn lost tasks");
  return Figures{{"tasks_per_s", static_cast<double>(n) / seconds}};
}

constexpr std::array<picos_bench::ScenarioEntry, 2> scenarios{{
    {"switch", switch_round_trips},
    {"churn", churn},
}};

}  // namespace

int main(int argc, char** argv) {
  picos_bench::Request request;
  if (!picos_bench::parse_request(argc, argv, request)) return 2;
  return picos_bench::run_request(request, scenarios);
}
