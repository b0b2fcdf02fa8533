#pragma once
// Messages shared by the net tests and their helper process (test_peer.cpp).

#include <picos/remote_task.hpp>
#include <picos/serialization.hpp>

#include <string>

namespace net_test {

// Asks the helper's "echo" task to send `text` back to `reply_to`.
struct EchoRequest {
  picos::RemoteTask reply_to;
  std::string text;
  template <class A>
  void serialize(A& a) { a(reply_to, text); }
};

}  // namespace net_test

PICOS_MESSAGE_TYPE(net_test::EchoRequest, "net_test.echo_request");
