#pragma once
// A move-only, type-erased `void()` callable for the cross-thread inbox.

#include <memory>
#include <type_traits>
#include <utility>

namespace picos::detail {

class Callback {
 public:
  Callback() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Callback>>>
  Callback(F&& fn)  // NOLINT(google-explicit-constructor)
      : impl_(std::make_unique<Impl<std::decay_t<F>>>(std::forward<F>(fn))) {}
  void operator()() { impl_->call(); }
  explicit operator bool() const noexcept { return static_cast<bool>(impl_); }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void call() = 0;
  };
  template <class F>
  struct Impl final : Base {
    explicit Impl(F fn) : fn_(std::move(fn)) {}
    void call() override { fn_(); }
    F fn_;
  };
  std::unique_ptr<Base> impl_;
};

}  // namespace picos::detail
