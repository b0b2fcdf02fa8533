#pragma once
// Type name and description of an exception, for logs and MonitorStatus.

#include <exception>
#include <string>

namespace picos::detail {

struct ExceptionInfo {
  std::string type;
  std::string message;
};

[[nodiscard]] ExceptionInfo describe(const std::exception_ptr& error) noexcept;

}  // namespace picos::detail
