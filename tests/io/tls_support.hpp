#pragma once
// Throwaway test certificates made with the openssl command-line tool at run time (nothing
// private is committed): a CA, a server certificate for localhost/127.0.0.1, a client
// certificate, and a self-signed "rogue" certificate for localhost that nobody trusts.

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace io_test {

struct TestCertificates {
  std::string dir;
  std::string file(const char* name) const { return dir + "/" + name; }
};

inline const TestCertificates& certificates() {
  static const TestCertificates made = [] {
    TestCertificates result;
    result.dir = "/tmp/picos-tls-test-" + std::to_string(::getpid());
    const std::string d = result.dir;
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string script =
        "set -e; mkdir -p " + d + "; cd " + d + "; " +
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext; " +
        "openssl req -x509" + key + " -keyout ca.key -out ca.pem -days 2 -subj /CN=picos-test-ca; " +
        "openssl req" + key + " -keyout server.key -out server.csr -subj /CN=localhost; " +
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 "
        "-extfile server.ext; " +
        "openssl req" + key + " -keyout client.key -out client.csr -subj /CN=picos-test-client; " +
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2; " +
        "openssl req -x509" + key + " -keyout rogue.key -out rogue.pem -days 2 -subj /CN=localhost "
        "-addext subjectAltName=DNS:localhost,IP:127.0.0.1";
    if (std::system(("(" + script + ") >/dev/null 2>&1").c_str()) != 0) {
      throw std::runtime_error("could not make test certificates with the openssl tool");
    }
    std::atexit([] { std::system(("rm -rf /tmp/picos-tls-test-" + std::to_string(::getpid())).c_str()); });
    return result;
  }();
  return made;
}

}  // namespace io_test
