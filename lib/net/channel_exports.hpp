#pragma once
// The channels a node makes reachable from peers, by id (with their random rid). Channels are
// held weakly: exporting a channel does not keep it alive. Thread-safe.

#include "channel/channel_state.hpp"

#include <picos/location.hpp>
#include <picos/remote_channel.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace picos::net {

class ChannelExportTable {
 public:
  ChannelExportTable() = default;
  // Sets the Location written into references; call once before the first add().
  void set_origin(Location origin) { origin_ = std::move(origin); }

  // The reference of `channel`, exporting it on first use (the same reference while it lives).
  ChannelReference add(const std::shared_ptr<detail::ChannelState>& channel);
  // The live, open channel `reference` names; nullptr for another origin, an unknown id, a wrong
  // rid (forged or stale) or a closed or destroyed channel.
  std::shared_ptr<detail::ChannelState> resolve(const ChannelReference& reference);
  // Every exported channel still alive.
  std::vector<std::shared_ptr<detail::ChannelState>> alive();

 private:
  struct Entry {
    std::weak_ptr<detail::ChannelState> channel;
    const detail::ChannelState* address;  // the key in by_address_
    ChannelReference reference;
  };
  void drop_dead_locked();
  Location origin_;
  std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, Entry> by_id_;
  std::map<const detail::ChannelState*, std::uint64_t> by_address_;
  std::size_t adds_since_sweep_ = 0;
};

}  // namespace picos::net
