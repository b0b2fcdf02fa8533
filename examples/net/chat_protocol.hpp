#pragma once
// The message type shared by chat_chan_server and chat_chan_client.

#include <picos/serialization.hpp>

#include <string>

namespace example {

// One line of the chat: who wrote it and what. The server's channel transform rewrites `text`
// to "from: text" before anyone sees it.
struct ChatLine {
  std::string from;
  std::string text;
  template <class Archive>
  void serialize(Archive& archive) { archive(from, text); }
};

}  // namespace example

PICOS_MESSAGE_TYPE(example::ChatLine, "example.chat_line");
