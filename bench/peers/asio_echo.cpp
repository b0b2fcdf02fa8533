// asio-echo-server: the Boost.Asio echo server of the echo scenario. One thread, one io_context,
// header-only Asio; each connection reads into its own 16 KiB buffer and writes back what it got
// (async_read_some / async_write). Listens on 127.0.0.1 (any free port) and prints
// "echo server listening on PORT".
// Boost 1.74's Asio uses std::exchange without including <utility> under C++20.
#include <utility>

#include <boost/asio.hpp>

#include <array>
#include <cstdio>
#include <memory>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}
  void start() {
    socket_.set_option(tcp::no_delay(true));
    read();
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](boost::system::error_code error, std::size_t got) {
      if (!error) self->write(got);
    });
  }
  void write(std::size_t size) {
    asio::async_write(socket_, asio::buffer(buffer_, size), [self = shared_from_this()](boost::system::error_code error, std::size_t) {
      if (!error) self->read();
    });
  }
  tcp::socket socket_;
  std::array<char, 16384> buffer_;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](boost::system::error_code error, tcp::socket socket) {
    if (!error) std::make_shared<Session>(std::move(socket))->start();
    accept(acceptor);
  });
}

}  // namespace

int main() {
  asio::io_context context(1);
  tcp::acceptor acceptor(context);
  const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(4096);
  std::printf("echo server listening on %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  accept(acceptor);
  context.run();
}
