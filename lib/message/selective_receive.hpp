#pragma once
// Taking a matching message out of the middle of a task's mailbox.

#include "core/task_control.hpp"

#include <picos/receive.hpp>

#include <optional>

namespace picos::detail {

// Takes the oldest message of the current task `self` that `match` accepts (loop thread).
std::optional<Message> take_matching(TaskControl& self, const this_task::MessageMatcher& match);

// The wait loop shared by receive_if() and the category receives; `call` names the API for errors.
std::optional<Message> receive_matching(const char* call, const this_task::MessageMatcher& match, Timeout timeout);

}  // namespace picos::detail
