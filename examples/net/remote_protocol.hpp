#pragma once
// The message type shared by remote_task_server and remote_task_client.

#include <picos/remote_task.hpp>
#include <picos/serialization.hpp>

#include <string>

namespace example {

// Asks the server to send `text`, upper-cased, back to `reply_to`.
struct UpperRequest {
  picos::RemoteTask reply_to;
  std::string text;
  template <class Archive>
  void serialize(Archive& archive) { archive(reply_to, text); }
};

}  // namespace example

PICOS_MESSAGE_TYPE(example::UpperRequest, "example.upper_request");
