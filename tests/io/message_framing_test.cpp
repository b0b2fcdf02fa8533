#include "io_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <system_error>

using namespace std::chrono_literals;
using picos_test::run_in;

TEST_CASE("send_msg and recv_msg carry whole messages including empty ones") {
  run_in([] {
    auto [client, server] = io_test::tcp_pair();
    client.send_msg("first");
    client.send_msg("");
    client.send_msg(std::string(100000, 'z'));
    CHECK(server.recv_msg() == "first");
    CHECK(server.recv_msg() == "");
    CHECK(server.recv_msg() == std::string(100000, 'z'));
    client.close();
    CHECK_FALSE(server.recv_msg().has_value());
  });
}

TEST_CASE("an oversized message is refused and the stream stays in step") {
  run_in([] {
    auto [client, server] = io_test::tcp_pair();
    server.set_max_message_size(10);
    client.send_msg(std::string(1000, 'a'));
    client.send_msg("small");
    try {
      (void)server.recv_msg(10s);
      FAIL("no error");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::message_size);
      CHECK(std::string(error.what()).find("exceeds the maximum of 10") != std::string::npos);
    }
    CHECK(server.recv_msg(10s) == "small");
    client.set_max_message_size(3);
    CHECK_THROWS_AS(client.send_msg("toolong"), std::system_error);
    client.send_msg("ok");
    CHECK(server.recv_msg(10s) == "ok");
  });
}

TEST_CASE("a stream that ends inside a message is an error, not a message") {
  run_in([] {
    auto [client, server] = io_test::tcp_pair();
    client.sendall(std::string("\0\0\0\x10" "abc", 7));
    client.close();
    try {
      (void)server.recv_msg(10s);
      FAIL("no error");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::connection_aborted);
    }
  });
}
