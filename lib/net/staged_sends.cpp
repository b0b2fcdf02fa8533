// Node::send() from a task: messages staged on the sending thread and queued a frame at a time.
#include "core/scheduler_core.hpp"
#include "message/registry.hpp"
#include "net/node_core.hpp"
#include "net/send_frame.hpp"

#include <picos/log.hpp>

#include <algorithm>
#include <new>
#include <utility>

namespace picos::detail {
namespace {

// A stream of sends from one task to one remote task took the node's lock once per message: two
// atomic read-modify-writes right after the message's bytes were written, which cost 15 ns a
// message on the VMs measured (remote_stream ran 13% slower with one more lock and unlock per
// send), more than anything else the library did for a send. Staged on the sending thread, the
// messages take the lock once per frame.
//
// Order: a task's messages to one target stay in order because a message for another target or
// through another node queues what is staged first, and so does every other frame this thread
// queues (queue_frame(), request()); staged messages leave before the task parks, yields or ends,
// which is also before anyone can learn that it ended (its monitors, finish()). A task that keeps
// its thread without waiting holds at most one frame back meanwhile, as pycos holds every
// message of a task that does not yield.
struct StagedSends {
  NodeCore* node = nullptr;  // the node whose lock the last send took; nullptr: nothing staged
  RemoteTask target;
  Bytes frame;  // a send_batch frame for `target` (empty until a message is staged)
  net::BatchTypePrefix last_type;  // in `frame`
  // The type of the last message `frame` holds whole, when it was encoded without cereal (its
  // type prefix is then known from the type alone); else nullptr.
  const TypeEntry* last_plain_type = nullptr;
  Bytes spare;  // the buffer of the last full frame, for the next one
};

// wait_for_room() reads the outbox's size itself.
constexpr std::size_t unknown_outbox = static_cast<std::size_t>(-1);

// The per-thread encoding buffer is released after a message larger than this.
constexpr std::size_t max_kept_message_bytes = 64 * 1024;

// Per thread, reused: a stream of sends allocates nothing per message. initial-exec: a
// %fs-relative access instead of a __tls_get_addr() call per send. Not on Windows: mingw-w64's
// emulated TLS may release a thread's storage before its thread_local destructors run, and the
// vectors' destructors would then free through freed memory (see core/block_cache.cpp); there
// each send encodes into a fresh buffer and takes the lock.
#if !defined(_WIN32)
thread_local StagedSends staged_sends __attribute__((tls_model("initial-exec")));
thread_local Bytes send_message_buffer __attribute__((tls_model("initial-exec")));
#endif

}  // namespace

void flush_staged_sends() noexcept {
#if !defined(_WIN32)
  StagedSends& staged = staged_sends;
  if (staged.node == nullptr) return;
  NodeCore* node = std::exchange(staged.node, nullptr);
  if (!staged.frame.empty()) {
    try {
      (void)node->queue_staged(staged.target, staged.frame);
    } catch (const std::bad_alloc&) {
      log(LogLevel::error, "picos: messages for ", staged.target.to_string(), " dropped: out of memory");
    }
    staged.frame.clear();
  }
  node->staging_threads_.fetch_sub(1, std::memory_order_release);
#endif
}

bool NodeCore::send_message(const RemoteTask& target, const Message& message) {
#if defined(_WIN32)
  Bytes encoded;
  serialize_append(encoded, message);
  return queue_message_paced(target, encoded);
#else
  SchedulerCore* here = SchedulerCore::on_this_thread();
  const bool may_stage = here != nullptr && SchedulerCore::current_task() != nullptr && here != &scheduler_->core();
  StagedSends& staged = staged_sends;
  const bool staging = may_stage && staged.node == this && staged.target == target;
  const std::size_t most = std::min(max_batch_payload, options.max_frame_size);
  // Encoded in place: the frame holds the message's bytes once, and one that does not fit is
  // taken out again (and encoded once more below). A message of the last whole one's plain type
  // is written without its type prefix from the start.
  const TypeEntry* plain_type = staging ? plain_type_of(message) : nullptr;
  if (staging && !staged.frame.empty()) {
    const std::size_t size_at = net::begin_batched_message(staged.frame);
    const bool value_only = plain_type != nullptr && plain_type == staged.last_plain_type;
    try {
      if (value_only) plain_type->append(staged.frame, message.data());
      else serialize_append(staged.frame, message);
    } catch (...) {
      staged.frame.resize(size_at);
      throw;
    }
    if (value_only) {
      if (net::end_batched_value(staged.frame, 0, size_at, most)) return true;
    } else if (net::end_batched_message(staged.frame, 0, size_at, most, staged.last_type)) {
      // Sent whole or sharing the last whole one's type, whose plainness is then this one's.
      staged.last_plain_type = plain_type;
      return true;
    }
  }
  Bytes& encoded = send_message_buffer;
  encoded.clear();
  serialize_append(encoded, message);
  struct ReleaseBig {
    Bytes& buffer;
    ~ReleaseBig() {
      if (buffer.capacity() > max_kept_message_bytes) Bytes().swap(buffer);
    }
  } release_big{encoded};
  if (!may_stage) return queue_message_paced(target, encoded);
  if (staging && !staged.frame.empty()) {
    // Full: the frame goes to the link and this message starts the next one, so the link gets
    // whole frames (a lone message between them made the writer write it by itself). It waits
    // for room first, so that a stream keeps the outbox within max_outbox_bytes (a frame queued
    // past it grew the outbox's buffers, and a slow reader's sender held twice the memory), out
    // of the thread's staging: waiting parks the task, whose switch-out hook then ends the
    // staging without queueing it, and other tasks of the thread may stage meanwhile.
    Bytes full = std::exchange(staged.frame, std::move(staged.spare));
    const bool linked = wait_for_room(target.origin, unknown_outbox, full.size());
    const bool queued = linked && queue_staged(target, full).has_value();
    full.clear();
    staged.spare = std::move(full);  // its buffer serves the next frame
    if (!linked) {
      flush_staged_sends();
      return false;  // the link was lost while this task waited
    }
    if (!queued || staged.node != this) flush_staged_sends();
  }
  if (staged.node == this && staged.target == target) {
    net::append_send_batch(staged.frame, target, encoded, options.max_frame_size, &staged.last_type);
    staged.last_plain_type = plain_type;
    return true;
  }
  // The first message after queueing goes through the lock: its result says whether the peer is
  // linked (the staged ones assume so until the next queueing), and it applies back-pressure.
  flush_staged_sends();
  if (!queue_message_paced(target, encoded)) return false;
  staged.node = this;
  staged.target = target;
  staging_threads_.fetch_add(1, std::memory_order_relaxed);
  here->set_switch_out_hook(&flush_staged_sends);
  return true;
#endif
}

std::optional<std::size_t> NodeCore::queue_staged(const RemoteTask& target, std::span<const std::byte> frame) {
  Task writer;
  bool yield_to_writer = false;
  std::size_t outbox = 0;
  {
    std::lock_guard lock(mutex_);
    Link* link = find_link_locked(target.origin);
    if (link == nullptr) {
      if (!hold_for_dial_locked(target.origin, frame)) {
        log(LogLevel::warning, "picos: messages for ", target.to_string(), " dropped: ", target.origin.to_string(),
            " went offline");
      }
      return std::nullopt;
    }
    const std::size_t start = link->outbox.size();
    if (append_locked(*link, frame)) writer = link->writer;
    // Later sends to the same task through the lock may join this frame.
    link->open_batch = start;
    link->open_batch_target = target;
    outbox = link->outbox.size();
    yield_to_writer = yield_due_locked(*link, outbox);
  }
  if (writer) (void)writer.send(Message(LinkWake{}));
  if (yield_to_writer) std::this_thread::yield();
  return outbox;
}

}  // namespace picos::detail
