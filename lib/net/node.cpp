// picos::Node: the public face of NodeCore.
#include <picos/node.hpp>
#include <picos/serialization.hpp>
#include <picos/this_task.hpp>

#include "message/registry.hpp"
#include "net/caller_wait.hpp"
#include "net/node_core.hpp"
#include "net/send_frame.hpp"
#include "net/wire.hpp"

#include <algorithm>
#include <thread>

namespace picos {
namespace {

using Clock = std::chrono::steady_clock;
// How often locate_peer() and close_peer() re-check the peer table.
constexpr auto peer_poll = std::chrono::milliseconds(10);
using detail::deadline_of;
using detail::pause_caller;

}  // namespace

Node::Node(NodeOptions options) : core_(std::make_unique<detail::NodeCore>(std::move(options))) {}

Node::~Node() = default;

Location Node::location() const { return core_->self.location; }

const std::string& Node::name() const noexcept { return core_->self.name; }

const std::string& Node::dest_path() const noexcept { return core_->files.dest_path(); }

bool Node::peer(const Location& location, Timeout timeout) { return core_->connect(location, timeout); }

void Node::discover_peers() { core_->discover(); }

void Node::discover_host(const std::string& host, std::uint16_t udp_port) { core_->discover_host(host, udp_port); }

bool Node::relay_discovery(const Location& location, Timeout timeout) {
  return core_->relay_discovery(location, timeout);
}

std::vector<Location> Node::peers() const { return core_->online_peers(); }

std::optional<Location> Node::locate_peer(const std::string& name, Timeout timeout) {
  const auto deadline = deadline_of(timeout);
  for (;;) {
    if (auto found = core_->find_peer(name)) return found;
    if (Clock::now() >= deadline) return std::nullopt;
    pause_caller(peer_poll);
  }
}

void Node::peer_status(const Task& task) { core_->subscribe(task); }

void Node::drop_peer_status(const Task& task) { core_->unsubscribe(task); }

bool Node::close_peer(const Location& location, Timeout timeout) {
  if (!core_->close_link(location)) return false;
  const auto deadline = deadline_of(timeout);
  while (core_->is_online(location) && Clock::now() < deadline) pause_caller(peer_poll);
  return true;
}

RemoteTask Node::export_task(const Task& task) { return core_->exports.add(task); }

bool Node::register_task(const std::string& name, const Task& task) { return core_->exports.register_name(name, task); }

bool Node::unregister_task(const std::string& name) { return core_->exports.unregister_name(name); }

std::optional<RemoteTask> Node::locate(const std::string& name, std::optional<Location> where, Timeout timeout) {
  if (auto local = core_->exports.find_name(name)) return local;
  if (where) {
    if (*where == core_->self.location) return std::nullopt;
    where = core_->online_location(*where);  // the peer's own location when *where is an address dialled to reach it
    if (!where) return std::nullopt;
  }
  const std::optional<net::Frame> reply = core_->ask_peers(
      where, timeout,
      [&](std::uint64_t id) {
        return net::encode_frame(net::FrameKind::locate, net::encode_payload(net::LocatePayload{id, name}));
      },
      [](const net::Frame& frame) {
        return frame.kind == net::FrameKind::locate_reply &&
               net::decode_payload<net::LocateReplyPayload>(frame.payload).found;
      });
  if (!reply) return std::nullopt;
  return net::decode_payload<net::LocateReplyPayload>(reply->payload).task;
}

bool Node::send(const RemoteTask& target, const Message& message) {
  if (target.origin == core_->self.location) {
    const std::optional<Task> task = core_->exports.resolve(target);
    return task && task->send(message);
  }
  return core_->send_message(target, message);
}

std::size_t Node::outbox_bytes(const Location& location) const { return core_->outbox_bytes(location); }

Delivery Node::deliver(const RemoteTask& target, const Message& message, Timeout timeout) {
  if (target.origin == core_->self.location) {
    const std::optional<Task> task = core_->exports.resolve(target);
    return task && task->send(message) ? Delivery::delivered : Delivery::invalid;
  }
  const std::optional<Timeout> left = core_->time_left_once_online(target.origin, timeout);
  if (!left) return Delivery::invalid;
  const Bytes encoded = serialize(message);
  const auto replies = core_->request(
      {target.origin}, *left,
      [&](std::uint64_t id) {
        Bytes frame;
        net::append_send_frame(frame, id, target, encoded, core_->options.max_frame_size);
        return frame;
      },
      [](const net::Frame&) { return true; });
  if (replies.empty() || replies.front().kind != net::FrameKind::ack) return Delivery::timed_out;
  return net::decode_payload<net::ResultPayload>(replies.front().payload).result == 1 ? Delivery::delivered
                                                                                       : Delivery::invalid;
}

FileResult Node::send_file(const Location& location, const std::string& path, const std::string& dir, bool overwrite,
                           Timeout timeout) {
  return core_->send_file(location, path, dir, overwrite, timeout);
}

FileResult Node::del_file(const Location& location, const std::string& file, const std::string& dir, Timeout timeout) {
  return core_->delete_file(location, file, dir, timeout);
}

bool Node::monitor(const Task& monitor, const RemoteTask& target, Timeout timeout) {
  const RemoteTask monitor_reference = core_->exports.add(monitor);
  if (target.origin == core_->self.location) return core_->accept_monitor(target, monitor_reference) == 1;
  const std::optional<Timeout> left = core_->time_left_once_online(target.origin, timeout);
  if (!left) return false;
  core_->remember_remote_monitor(target, monitor);
  const auto replies = core_->request(
      {target.origin}, *left,
      [&](std::uint64_t id) {
        return net::encode_frame(net::FrameKind::monitor,
                                 net::encode_payload(net::MonitorPayload{id, target, monitor_reference}));
      },
      [](const net::Frame&) { return true; });
  const bool accepted = !replies.empty() && replies.front().kind == net::FrameKind::monitor_reply &&
                        net::decode_payload<net::ResultPayload>(replies.front().payload).result == 1;
  if (!accepted) core_->forget_remote_monitor(target, monitor);
  return accepted;
}

}  // namespace picos
