// Message categories: per-task classifiers and receive(category).
#include "message/selective_receive.hpp"

#include "core/scheduler_core.hpp"

#include <picos/categories.hpp>

#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace picos::this_task {
namespace {

struct Classifiers {
  std::vector<std::pair<std::size_t, Classifier>> list;
  std::size_t next_id = 1;
};

// The calling task's classifiers; created on first use when `create`, else may be nullptr.
Classifiers* classifiers_of(detail::TaskControl& self, bool create) {
  if (!create && (!self.extras || !self.extras->categories)) return nullptr;
  auto& slot = self.ensure_extras().categories;
  if (!slot) slot = std::make_shared<Classifiers>();
  return static_cast<Classifiers*>(slot.get());
}

std::optional<std::string> classify(const Classifiers* set, const Message& message) {
  if (set == nullptr) return std::nullopt;
  for (const auto& [id, classifier] : set->list) {
    if (std::optional<std::string> category = classifier(message)) return category;
  }
  return std::nullopt;
}

}  // namespace

std::size_t add_classifier(Classifier classifier) {
  if (!classifier) throw std::invalid_argument("picos: add_classifier() needs a function");
  Classifiers* set = classifiers_of(detail::SchedulerCore::require_task("this_task::add_classifier()"), true);
  const std::size_t id = set->next_id++;
  set->list.emplace_back(id, std::move(classifier));
  return id;
}

bool remove_classifier(std::size_t id) {
  Classifiers* set = classifiers_of(detail::SchedulerCore::require_task("this_task::remove_classifier()"), false);
  if (set == nullptr) return false;
  for (auto it = set->list.begin(); it != set->list.end(); ++it) {
    if (it->first == id) {
      set->list.erase(it);
      return true;
    }
  }
  return false;
}

std::optional<std::string> category_of(const Message& message) {
  return classify(classifiers_of(detail::SchedulerCore::require_task("this_task::category_of()"), false), message);
}

std::optional<Message> receive(std::string_view category, Timeout timeout) {
  detail::TaskControl& self = detail::SchedulerCore::require_task("this_task::receive(category)");
  const MessageMatcher match = [&self, category](const Message& message) {
    std::optional<std::string> found = classify(classifiers_of(self, false), message);
    return found && *found == category;
  };
  return detail::receive_matching("this_task::receive(category)", match, timeout);
}

Message receive(std::string_view category) { return std::move(*receive(category, Timeout{})); }

std::optional<Message> receive_uncategorized(Timeout timeout) {
  detail::TaskControl& self = detail::SchedulerCore::require_task("this_task::receive_uncategorized()");
  const MessageMatcher match = [&self](const Message& message) {
    return !classify(classifiers_of(self, false), message).has_value();
  };
  return detail::receive_matching("this_task::receive_uncategorized()", match, timeout);
}

}  // namespace picos::this_task
