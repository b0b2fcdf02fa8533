#pragma once
// Remote channels at one node: the channels it exports, the subscribers of other processes it
// feeds (ChannelSink), and the channel_* requests of its peers. Requests are served on the
// connection they arrived on; the answers travel on this node's own link to the requester (its
// `reply_to`), because a deliver may have to wait for subscribers and only the link writer may
// write to a peer at any time.

#include "net/channel_exports.hpp"
#include "net/channel_sink.hpp"
#include "net/frame.hpp"
#include "net/wire.hpp"

#include <picos/task.hpp>

#include <atomic>
#include <cstdint>
#include <memory>

namespace picos::detail {
class NodeCore;
}

namespace picos::net {

class ChannelService {
 public:
  explicit ChannelService(detail::NodeCore& core);
  // Removes this node's remote subscribers from every channel.
  ~ChannelService();
  ChannelService(const ChannelService&) = delete;
  ChannelService& operator=(const ChannelService&) = delete;

  ChannelExportTable exports;

  // Serves a channel_* frame from a peer, then lets the scheduler's other tasks run. Must be
  // called from a task of the node's scheduler. Throws SerializationError for a malformed payload
  // and ProtocolError for an invalid field (the caller then closes that connection).
  void serve(const Frame& frame);

  // Adds (or removes) `subscriber` at the channel of this node `channel` names. 1 done, 0 not
  // (closed channel, unknown or ended local subscriber, a cycle, or not subscribed), -1 stale or
  // forged channel reference. A subscriber on another node must be online (or being dialled).
  std::int64_t change_subscription(const ChannelReference& channel, const ChannelSubscriberRef& subscriber,
                                   bool subscribe);

  // Stops feeding remote subscribers (the node is closing). Never throws.
  void detach() noexcept;

 private:
  void serve_one(const Frame& frame);
  void serve_locate(const ChannelLocatePayload& request);
  void serve_subscribe(const ChannelSubscribePayload& request);
  void serve_send(ChannelSendPayload request);
  void serve_message(const ChannelMessagePayload& notice);
  void reply(const Location& to, const ChannelReplyPayload& payload);
  // Asks the owner of `source` to drop `subscriber`, which this node cannot serve any more.
  void drop_at_owner(const ChannelReference& source, const ChannelSubscriberRef& subscriber, const char* why);
  void drop_subscribers_at(const Location& node);
  void watch_peers();

  detail::NodeCore& core_;
  std::shared_ptr<ChannelOutlet> outlet_;
  std::atomic<std::size_t> waiting_deliveries_{0};
  std::atomic<std::size_t> connecting_subscriptions_{0};
  Task watcher_;
};

}  // namespace picos::net
