// File transfer between nodes: sending (Node::send_file) and deleting (Node::del_file) at a peer,
// and handing a peer's file frames to the FileReceiver.
//
// A send is one task on the network scheduler: it offers the file, and once the receiver said
// ready it streams chunks (at most chunks_in_flight unacknowledged, each at most chunk_bytes or
// what the receiver's frame limit allows) until the receiver reports the file stored. The local
// file is read through picos::AsyncFile (io_uring or the thread pool), so the network thread does
// not wait for the disk.
#include "net/caller_wait.hpp"
#include "net/file_os.hpp"
#include "net/file_paths.hpp"
#include "net/node_core.hpp"

#include <picos/file.hpp>
#include <picos/log.hpp>
#include <picos/this_task.hpp>

#include <algorithm>
#include <system_error>
#include <variant>

namespace picos::detail {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t chunk_bytes = 64 * 1024;
constexpr std::size_t chunks_in_flight = 8;
// Payload bytes of a chunk frame besides its data (ids, offset, length, archive header).
constexpr std::size_t chunk_overhead = 64;

FileResult failed(FileStatus status, std::string reason) { return FileResult{status, std::move(reason), 0}; }

// A reply to a file request, or how the request ended when the frame is not a usable reply.
std::variant<net::FileReplyPayload, FileResult> interpret(const net::Frame& frame) {
  if (frame.kind == net::FrameKind::bye) return failed(FileStatus::disconnected, "the peer went offline");
  if (frame.kind != net::FrameKind::file_reply) {
    return failed(FileStatus::io_error, std::string("the peer answered with a ") + net::to_string(frame.kind) + " frame");
  }
  net::FileReplyPayload reply;
  try {
    reply = net::decode_payload<net::FileReplyPayload>(frame.payload);
  } catch (const SerializationError& error) {
    return failed(FileStatus::io_error, std::string("malformed reply from the peer: ") + error.what());
  }
  if (reply.step < static_cast<std::uint8_t>(net::FileStep::ready) ||
      reply.step > static_cast<std::uint8_t>(net::FileStep::failed)) {
    return failed(FileStatus::io_error, "the peer sent an unknown file reply step " + std::to_string(reply.step));
  }
  if (reply.step == static_cast<std::uint8_t>(net::FileStep::failed)) {
    if (reply.status == 0 || reply.status > net::last_file_status) {
      return failed(FileStatus::io_error, "the peer failed with an unknown status " + std::to_string(reply.status));
    }
    return failed(static_cast<FileStatus>(reply.status), "at the peer: " + reply.reason);
  }
  return reply;
}

template <class T>
void write_reply(net::FrameStream& stream, const T& payload, Timeout timeout) {
  stream.write(net::encode_frame(net::FrameKind::file_reply, net::encode_payload(payload), stream.max_payload()),
               timeout);
}

}  // namespace

void NodeCore::configure_files() {
  const std::string dest =
      options.dest_path.empty() ? net::default_dest_path(net::temp_directory(), self.name) : options.dest_path;
  files.configure(dest, options.max_file_size, std::min(chunk_bytes, options.max_frame_size - chunk_overhead));
}

FileResult NodeCore::send_file(const Location& peer, const std::string& path, const std::string& dir, bool overwrite,
                               Timeout timeout) {
  try {
    const Task sender = spawn_net("net-file-send", [this, peer, path, dir, overwrite, timeout] {
      return transfer_file(peer, path, dir, overwrite, timeout);
    });
    return std::move(await_task(sender, Timeout{})).get<FileResult>();
  } catch (const std::exception& error) {
    return failed(FileStatus::disconnected, std::string("the transfer ended with the node: ") + error.what());
  }
}

FileResult NodeCore::transfer_file(const Location& peer, const std::string& path, const std::string& dir,
                                   bool overwrite, Timeout timeout) {
  const auto deadline = deadline_of(timeout);
  net::FileOfferPayload offer;
  offer.dir = dir;
  offer.name = net::base_name(path);
  offer.overwrite = overwrite;
  if (auto checked = net::file_target("", dir, offer.name); std::holds_alternative<net::PathRefusal>(checked)) {
    return failed(FileStatus::refused_path, std::get<net::PathRefusal>(checked).reason);
  }
  net::SourceFile source;
  try {
    source = net::open_source_file(path);
  } catch (const net::FileFailure& error) {
    return failed(error.status(), error.what());
  }
  if (source.entry.kind != net::EntryKind::regular) {
    return failed(FileStatus::bad_source, path + " is not a regular file");
  }
  offer.size = source.entry.stamp.size;
  offer.mtime_ns = source.entry.stamp.mtime_ns;
  offer.mode = source.entry.stamp.mode;
  AsyncFile file(source.handle.release(), true);

  offer.request_id = next_request_++;
  const std::shared_ptr<ReplyBox> replies = peer == self.location ? nullptr : expect_replies(peer, offer.request_id);
  if (!replies) return failed(FileStatus::unknown_peer, peer.to_string() + " is not an online peer");
  struct Expecting {
    NodeCore& core;
    std::uint64_t id;
    ~Expecting() { core.stop_expecting({&id, 1}); }
  } expecting{*this, offer.request_id};
  auto cancel = [&] {
    (void)queue_frame(peer, net::encode_frame(net::FrameKind::file_cancel,
                                              net::encode_payload(net::FileCancelPayload{offer.request_id})));
  };
  auto next_reply = [&]() -> std::variant<net::FileReplyPayload, FileResult> {
    std::optional<net::Frame> reply = replies->take(deadline);
    if (!reply) return failed(FileStatus::timed_out, "no answer from " + peer.to_string() + " in time");
    return interpret(std::move(*reply));
  };

  if (!queue_frame(peer, net::encode_frame(net::FrameKind::file_offer, net::encode_payload(offer), options.max_frame_size))) {
    return failed(FileStatus::disconnected, "the link to " + peer.to_string() + " is down");
  }
  auto answer = next_reply();
  if (auto* result = std::get_if<FileResult>(&answer)) {
    if (result->status == FileStatus::timed_out) cancel();  // the receiver may have accepted meanwhile
    return std::move(*result);
  }
  const auto& accepted = std::get<net::FileReplyPayload>(answer);
  if (accepted.step == static_cast<std::uint8_t>(net::FileStep::done)) return FileResult{};
  if (accepted.step != static_cast<std::uint8_t>(net::FileStep::ready) || accepted.value == 0) {
    cancel();
    return failed(FileStatus::io_error, "the peer answered the offer out of turn");
  }
  const std::size_t chunk = std::min<std::uint64_t>({accepted.value, chunk_bytes, options.max_frame_size - chunk_overhead});

  std::uint64_t sent = 0;
  std::uint64_t acknowledged = 0;
  for (;;) {
    while (sent < offer.size && sent - acknowledged < chunks_in_flight * chunk) {
      std::string data;
      try {
        data = file.read_full(static_cast<std::size_t>(std::min<std::uint64_t>(chunk, offer.size - sent)),
                              time_left(deadline));
      } catch (const std::system_error& error) {
        cancel();
        if (error.code() == std::errc::timed_out) return failed(FileStatus::timed_out, "reading " + path + " timed out");
        return failed(FileStatus::bad_source, "reading " + path + ": " + error.what());
      }
      if (data.empty()) {
        cancel();
        return failed(FileStatus::bad_source, path + " shrank during the transfer");
      }
      const std::size_t size = data.size();
      const net::FileChunkPayload payload{offer.request_id, sent, std::move(data)};
      if (!queue_frame(peer, net::encode_frame(net::FrameKind::file_chunk, net::encode_payload(payload),
                                               options.max_frame_size))) {
        return failed(FileStatus::disconnected, "the link to " + peer.to_string() + " went down");
      }
      sent += size;
    }
    auto progress = next_reply();
    if (auto* result = std::get_if<FileResult>(&progress)) {
      if (result->status == FileStatus::timed_out) cancel();
      result->bytes_sent = sent;
      return std::move(*result);
    }
    const auto& reply = std::get<net::FileReplyPayload>(progress);
    if (reply.step == static_cast<std::uint8_t>(net::FileStep::done)) return FileResult{FileStatus::ok, {}, sent};
    if (reply.step != static_cast<std::uint8_t>(net::FileStep::progress) || reply.value > sent) {
      cancel();
      return FileResult{FileStatus::io_error, "the peer answered a chunk out of turn", sent};
    }
    acknowledged = reply.value;
  }
}

FileResult NodeCore::delete_file(const Location& peer, const std::string& file, const std::string& dir,
                                 Timeout timeout) {
  const std::string name = net::base_name(file);
  if (auto checked = net::file_target("", dir, name); std::holds_alternative<net::PathRefusal>(checked)) {
    return failed(FileStatus::refused_path, std::get<net::PathRefusal>(checked).reason);
  }
  bool online = false;
  {
    std::lock_guard lock(mutex_);
    online = links_.contains(peer);
  }
  if (peer == self.location || !online) return failed(FileStatus::unknown_peer, peer.to_string() + " is not an online peer");
  std::vector<net::Frame> replies;
  try {
    replies = request(
        {peer}, timeout,
        [&](std::uint64_t id) {
          return net::encode_frame(net::FrameKind::file_delete,
                                   net::encode_payload(net::FileDeletePayload{id, dir, name}), options.max_frame_size);
        },
        [](const net::Frame&) { return true; });
  } catch (const std::exception& error) {
    return failed(FileStatus::disconnected, std::string("the deletion ended with the node: ") + error.what());
  }
  if (replies.empty()) return failed(FileStatus::timed_out, "no answer from " + peer.to_string() + " in time");
  auto answer = interpret(replies.front());
  if (auto* result = std::get_if<FileResult>(&answer)) return std::move(*result);
  if (std::get<net::FileReplyPayload>(answer).step != static_cast<std::uint8_t>(net::FileStep::done)) {
    return failed(FileStatus::io_error, "the peer answered a deletion out of turn");
  }
  return FileResult{};
}

std::shared_ptr<ReplyBox> NodeCore::expect_replies(const Location& peer, std::uint64_t id) {
  auto box = ReplyBox::for_caller();
  std::lock_guard lock(mutex_);
  if (!links_.contains(peer)) return nullptr;
  pending_.emplace(id, Pending{box, peer});
  return box;
}

void NodeCore::stop_expecting(std::span<const std::uint64_t> ids) {
  std::lock_guard lock(mutex_);
  for (std::uint64_t id : ids) pending_.erase(id);
}

void NodeCore::serve_file_frame(net::FrameStream& stream, const net::Frame& frame) {
  const Timeout timeout = options.heartbeat_timeout;
  const void* connection = &stream;
  switch (frame.kind) {
    case net::FrameKind::file_offer: {
      const net::FileReplyPayload reply = files.offer(connection, net::decode_payload<net::FileOfferPayload>(frame.payload));
      if (reply.step == static_cast<std::uint8_t>(net::FileStep::failed)) {
        log(LogLevel::info, "picos: refused a file from a peer: ", reply.reason);
      }
      write_reply(stream, reply, timeout);
      return;
    }
    case net::FrameKind::file_chunk: {
      const auto reply = files.chunk(connection, net::decode_payload<net::FileChunkPayload>(frame.payload), timeout);
      if (!reply) return;
      if (reply->step == static_cast<std::uint8_t>(net::FileStep::failed)) {
        log(LogLevel::warning, "picos: receiving a file from a peer failed: ", reply->reason);
      }
      write_reply(stream, *reply, timeout);
      return;
    }
    case net::FrameKind::file_cancel:
      files.cancel(connection, net::decode_payload<net::FileCancelPayload>(frame.payload).request_id);
      return;
    case net::FrameKind::file_delete: {
      const net::FileReplyPayload reply = files.remove(net::decode_payload<net::FileDeletePayload>(frame.payload));
      if (reply.step == static_cast<std::uint8_t>(net::FileStep::failed)) {
        log(LogLevel::info, "picos: refused to delete a file for a peer: ", reply.reason);
      }
      write_reply(stream, reply, timeout);
      return;
    }
    default: throw net::ProtocolError(std::string("unexpected ") + net::to_string(frame.kind) + " frame from a peer");
  }
}

}  // namespace picos::detail
