#pragma once
/// @file categories.hpp
/// Message categories (pycos's CategorizeMessages): a task installs classifier functions, then
/// receives the next message of a given category while messages of other categories stay queued.
///
/// A message's category is the first non-empty answer of the task's classifiers, in the order
/// they were added; a message no classifier claims is uncategorized. Plain this_task::receive()
/// still takes the oldest message of any category. All calls must be made by the task on itself
/// (WrongContext from a plain thread).

#include <picos/message.hpp>
#include <picos/timeout.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace picos {

/// Returns the category of a message, or std::nullopt when it has no opinion. Called on the
/// task's thread for queued messages; must not block. Exceptions propagate out of the receive
/// call that ran it (the mailbox is left unchanged).
using Classifier = std::function<std::optional<std::string>(const Message&)>;

namespace this_task {

/// Adds a classifier for the calling task's messages; returns an id for remove_classifier().
/// Never blocks. Throws std::invalid_argument for an empty function.
std::size_t add_classifier(Classifier classifier);

/// Removes a classifier added by this task; false when the id is unknown. Never blocks.
bool remove_classifier(std::size_t id);

/// The category the calling task's classifiers give `message` (std::nullopt: uncategorized).
[[nodiscard]] std::optional<std::string> category_of(const Message& message);

/// [B] Takes the oldest queued message of `category`, waiting up to `timeout` (zero: only look);
/// std::nullopt on timeout. Each call classifies the queued messages: O(queued messages).
std::optional<Message> receive(std::string_view category, Timeout timeout);

/// [B] Same without a time limit.
Message receive(std::string_view category);

/// [B] Takes the oldest message no classifier claims (pycos's receive(category=None)), waiting
/// up to `timeout`; std::nullopt on timeout.
std::optional<Message> receive_uncategorized(Timeout timeout = {});

}  // namespace this_task
}  // namespace picos
