#include "net/channel_exports.hpp"

#include "net/exports.hpp"

namespace picos::net {
namespace {
// Destroyed channels are swept every this many exports, so the table cannot grow with dead
// entries.
constexpr std::size_t sweep_every = 256;
}  // namespace

ChannelReference ChannelExportTable::add(const std::shared_ptr<detail::ChannelState>& channel) {
  std::lock_guard lock(mutex_);
  if (auto known = by_address_.find(channel.get()); known != by_address_.end()) {
    auto entry = by_id_.find(known->second);
    // The address may belong to a destroyed channel whose memory was reused.
    if (entry != by_id_.end() && entry->second.channel.lock() == channel) return entry->second.reference;
    if (entry != by_id_.end()) by_id_.erase(entry);
    by_address_.erase(known);
  }
  if (++adds_since_sweep_ >= sweep_every) {
    adds_since_sweep_ = 0;
    drop_dead_locked();
  }
  ChannelReference reference{channel->name, next_id_++, random_u64(), origin_};
  by_id_.emplace(reference.id, Entry{channel, channel.get(), reference});
  by_address_.emplace(channel.get(), reference.id);
  return reference;
}

std::shared_ptr<detail::ChannelState> ChannelExportTable::resolve(const ChannelReference& reference) {
  if (reference.origin != origin_) return nullptr;
  std::shared_ptr<detail::ChannelState> channel;
  {
    std::lock_guard lock(mutex_);
    auto entry = by_id_.find(reference.id);
    if (entry == by_id_.end() || entry->second.reference.rid != reference.rid) return nullptr;
    channel = entry->second.channel.lock();
    if (channel == nullptr) {
      if (auto known = by_address_.find(entry->second.address); known != by_address_.end() && known->second == entry->first) {
        by_address_.erase(known);
      }
      by_id_.erase(entry);
      return nullptr;
    }
  }
  std::lock_guard lock(channel->mutex);
  return channel->open ? channel : nullptr;
}

std::vector<std::shared_ptr<detail::ChannelState>> ChannelExportTable::alive() {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<detail::ChannelState>> out;
  out.reserve(by_id_.size());
  for (const auto& [id, entry] : by_id_) {
    if (auto channel = entry.channel.lock()) out.push_back(std::move(channel));
  }
  return out;
}

void ChannelExportTable::drop_dead_locked() {
  for (auto it = by_id_.begin(); it != by_id_.end();) {
    it = it->second.channel.expired() ? by_id_.erase(it) : std::next(it);
  }
  for (auto it = by_address_.begin(); it != by_address_.end();) {
    it = by_id_.contains(it->second) ? std::next(it) : by_address_.erase(it);
  }
}

}  // namespace picos::net
