#include <picos/message.hpp>

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace picos {

std::string type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status),
                                                    &std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(type.name());
}

void Message::throw_bad_access(const std::type_info& wanted) const {
  throw BadMessageAccess("picos: message holds " + (empty() ? std::string("nothing") : type_name(type())) +
                         ", not " + type_name(wanted));
}

void Message::throw_not_copyable(const std::type_info& held) {
  throw BadMessageAccess("picos: cannot copy a message holding " + type_name(held) + " (not copyable)");
}

}  // namespace picos
