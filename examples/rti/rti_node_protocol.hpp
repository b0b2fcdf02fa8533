#pragma once
// The message type shared by rti_node_server and rti_node_client, and the name of the service.

#include <picos/serialization.hpp>

#include <cstdint>
#include <string>

namespace example {

// The function rti_node_server offers:
//   int run_script(std::string file, std::vector<std::string> args, picos::RemoteTask output,
//                  double seconds)
// runs <dest_path>/<file> with /bin/sh and `args`, streams its output to `output` as
// ScriptOutput messages, and returns the exit status; it fails (the caller's Invocation says why)
// when the file is not there or the script runs longer than `seconds`.
inline constexpr const char* run_script_service = "run_script";

// One line the script wrote (without its '\n'), or the end of its output. The server sends the
// `end` message last, after every line, with the exit status as `text`.
struct ScriptOutput {
  enum Stream : std::uint8_t { out = 0, err = 1, end = 2 };
  std::uint8_t stream = out;
  std::string text;
  template <class Archive>
  void serialize(Archive& archive) { archive(stream, text); }
};

}  // namespace example

PICOS_MESSAGE_TYPE(example::ScriptOutput, "example.script_output");
