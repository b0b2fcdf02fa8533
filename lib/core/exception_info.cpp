#include "core/exception_info.hpp"

#include <picos/errors.hpp>
#include <picos/message.hpp>

#include <typeinfo>

namespace picos::detail {

ExceptionInfo describe(const std::exception_ptr& error) noexcept {
  try {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      return ExceptionInfo{type_name(typeid(e)), e.what()};
    } catch (const TaskTerminateUnwind&) {
      return ExceptionInfo{"picos::TaskTerminateUnwind", "terminated"};
    } catch (...) {
      return ExceptionInfo{"unknown exception", "(not derived from std::exception)"};
    }
  } catch (...) {
    return ExceptionInfo{"unknown exception", ""};
  }
}

}  // namespace picos::detail
