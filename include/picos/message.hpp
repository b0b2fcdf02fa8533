#pragma once
/// @file message.hpp
/// picos::Message: a type-erased, movable value passed between tasks.

#include <cstddef>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace picos {

/// Thrown by Message::get<T>() when the message is empty or holds another type, and by copying a
/// Message whose value is not copyable.
class BadMessageAccess : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {
inline constexpr std::size_t message_inline_size = 32;

template <class T>
using message_value_t = std::conditional_t<std::is_convertible_v<std::decay_t<T>, const char*> &&
                                               !std::is_null_pointer_v<std::decay_t<T>>,
                                           std::string, std::decay_t<T>>;
}  // namespace detail

/// Holds one value of any movable type, or nothing.
///
/// Local sends move the Message (the value is never copied nor serialized). Values up to 32 bytes
/// with a non-throwing move live inline; larger ones on the heap. A string literal or `const char*`
/// is stored as std::string. A Message is copyable when its value is: channels copy a message for
/// each subscriber. Not thread-safe: one Message is used by one task or thread at a time.
class Message {
 public:
  /// An empty message (what a task that returns void produces). Never throws.
  Message() noexcept = default;

  /// Holds `value` (moved or copied in). Throws whatever T's constructor or allocation throws.
  template <class T, class V = detail::message_value_t<T>,
            class = std::enable_if_t<!std::is_same_v<V, Message> && !std::is_same_v<V, std::in_place_t>>>
  Message(T&& value)  // NOLINT(google-explicit-constructor): messages are built from values everywhere
  {
    emplace<V>(std::forward<T>(value));
  }

  /// Builds a V in place from `args`.
  template <class V, class... Args>
  explicit Message(std::in_place_type_t<V> /*tag*/, Args&&... args) {
    emplace<V>(std::forward<Args>(args)...);
  }

  Message(Message&& other) noexcept { take(other); }
  Message& operator=(Message&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  /// Copies the value. Throws BadMessageAccess if the held type is not copyable.
  Message(const Message& other) { copy_from(other); }
  /// Copies the value. Throws BadMessageAccess if the held type is not copyable.
  Message& operator=(const Message& other) {
    if (this != &other) {
      Message copy(other);
      *this = std::move(copy);
    }
    return *this;
  }
  ~Message() { reset(); }

  /// True when no value is held.
  [[nodiscard]] bool empty() const noexcept { return ops_ == nullptr; }
  explicit operator bool() const noexcept { return ops_ != nullptr; }

  /// The held value's type (typeid(void) when empty).
  [[nodiscard]] const std::type_info& type() const noexcept { return ops_ ? ops_->type() : typeid(void); }

  /// True when the held value is exactly a T (after the same decay the constructor applies).
  template <class T>
  [[nodiscard]] bool is() const noexcept {
    using V = detail::message_value_t<T>;
    return ops_ != nullptr && (ops_ == &ops_for<V> || ops_->type() == typeid(V));
  }

  /// Pointer to the held T, or nullptr when the message holds something else. Never throws.
  template <class T>
  [[nodiscard]] T* get_if() noexcept {
    return is<T>() ? static_cast<T*>(address()) : nullptr;
  }
  template <class T>
  [[nodiscard]] const T* get_if() const noexcept {
    return is<T>() ? static_cast<const T*>(address()) : nullptr;
  }

  /// Reference to the held T. Throws BadMessageAccess (naming both types) on a mismatch.
  template <class T>
  [[nodiscard]] T& get() & {
    if (T* p = get_if<T>()) return *p;
    throw_bad_access(typeid(T));
  }
  template <class T>
  [[nodiscard]] const T& get() const& {
    if (const T* p = get_if<T>()) return *p;
    throw_bad_access(typeid(T));
  }
  /// Moves the held T out. Throws BadMessageAccess on a mismatch.
  template <class T>
  [[nodiscard]] T get() && {
    return std::move(get<T>());
  }

  /// Replaces the value with a V built from `args`; returns a reference to it.
  template <class V, class... Args>
  V& emplace(Args&&... args) {
    reset();
    if constexpr (stored_inline<V>) {
      ::new (static_cast<void*>(storage_.bytes)) V(std::forward<Args>(args)...);
    } else {
      storage_.heap = new V(std::forward<Args>(args)...);
    }
    ops_ = &ops_for<V>;
    return *static_cast<V*>(address());
  }

  /// Destroys the value; the message becomes empty. Never throws.
  void reset() noexcept {
    if (ops_ != nullptr) {
      ops_->destroy(storage_);
      ops_ = nullptr;
    }
  }

  /// Address of the held value (nullptr when empty); for the serialization registry.
  [[nodiscard]] const void* data() const noexcept { return ops_ ? address() : nullptr; }

 private:
  union Storage {
    alignas(std::max_align_t) unsigned char bytes[detail::message_inline_size];
    void* heap;
  };
  struct Ops {
    const std::type_info& (*type)() noexcept;
    void (*destroy)(Storage&) noexcept;
    void (*move)(Storage& to, Storage& from) noexcept;     // leaves `from` destroyed
    void (*copy)(Storage& to, const Storage& from);       // nullptr when not copyable
    bool inline_storage;
  };

  template <class V>
  static constexpr bool stored_inline = sizeof(V) <= detail::message_inline_size &&
                                        alignof(V) <= alignof(std::max_align_t) &&
                                        std::is_nothrow_move_constructible_v<V>;

  template <class V>
  static const std::type_info& type_of() noexcept { return typeid(V); }

  template <class V>
  static void destroy_of(Storage& s) noexcept {
    if constexpr (stored_inline<V>) {
      std::launder(reinterpret_cast<V*>(s.bytes))->~V();
    } else {
      delete static_cast<V*>(s.heap);
    }
  }
  template <class V>
  static void move_of(Storage& to, Storage& from) noexcept {
    if constexpr (stored_inline<V>) {
      V* src = std::launder(reinterpret_cast<V*>(from.bytes));
      ::new (static_cast<void*>(to.bytes)) V(std::move(*src));
      src->~V();
    } else {
      to.heap = from.heap;
    }
  }
  template <class V>
  static void copy_of(Storage& to, const Storage& from) {
    if constexpr (stored_inline<V>) {
      ::new (static_cast<void*>(to.bytes)) V(*std::launder(reinterpret_cast<const V*>(from.bytes)));
    } else {
      to.heap = new V(*static_cast<const V*>(from.heap));
    }
  }
  template <class V>
  static constexpr Ops make_ops() noexcept {
    if constexpr (std::is_copy_constructible_v<V>) {
      return Ops{&type_of<V>, &destroy_of<V>, &move_of<V>, &copy_of<V>, stored_inline<V>};
    } else {
      return Ops{&type_of<V>, &destroy_of<V>, &move_of<V>, nullptr, stored_inline<V>};
    }
  }
  template <class V>
  static constexpr Ops ops_for = make_ops<V>();

  void* address() noexcept { return ops_->inline_storage ? static_cast<void*>(storage_.bytes) : storage_.heap; }
  const void* address() const noexcept {
    return ops_->inline_storage ? static_cast<const void*>(storage_.bytes) : storage_.heap;
  }
  void take(Message& other) noexcept {
    if (other.ops_ != nullptr) {
      other.ops_->move(storage_, other.storage_);
      ops_ = other.ops_;
      other.ops_ = nullptr;
    }
  }
  void copy_from(const Message& other) {
    if (other.ops_ == nullptr) return;
    if (other.ops_->copy == nullptr) throw_not_copyable(other.ops_->type());
    other.ops_->copy(storage_, other.storage_);
    ops_ = other.ops_;
  }
  [[noreturn]] void throw_bad_access(const std::type_info& wanted) const;
  [[noreturn]] static void throw_not_copyable(const std::type_info& held);

  const Ops* ops_ = nullptr;
  Storage storage_{};
};

/// Readable name of a type (demangled where the platform allows).
[[nodiscard]] std::string type_name(const std::type_info& type);

}  // namespace picos
