#pragma once
/// @file bounded_archive.hpp
/// picos::BoundedInputArchive: a cereal input archive that reads what cereal's
/// PortableBinaryOutputArchive wrote, from untrusted bytes.
///
/// User types never name it: their cereal `serialize(Archive&)` / `load(Archive&)` templates are
/// instantiated with it. It differs from cereal's PortableBinaryInputArchive in what it refuses:
/// - a container or string size larger than the bytes left in the input (so garbage cannot make
///   it allocate more than about input size times element size);
/// - a bool byte other than 0 or 1;
/// - nested picos::Message values deeper than BoundedInputArchive::max_depth;
/// - reading past the end of the input.
/// Each refusal throws cereal::Exception, which picos::deserialize() turns into SerializationError.

#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <type_traits>

namespace picos {

/// Reads cereal's portable binary format (either byte order) from a byte span. Not thread-safe.
class BoundedInputArchive : public cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision> {
 public:
  /// Deepest nesting of Message values inside one another that is accepted.
  static constexpr int max_depth = 32;

  /// Reads the byte-order flag written by PortableBinaryOutputArchive. Throws cereal::Exception
  /// when `bytes` is empty or the flag is neither 0 nor 1.
  explicit BoundedInputArchive(std::span<const std::byte> bytes)
      : cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision>(this), bytes_(bytes) {
    std::uint8_t little = 0;
    load_bytes(&little, 1, 1);
    if (little > 1) throw cereal::Exception("picos: bad byte-order flag in serialized data");
    swap_ = (little == 1) != host_is_little();
  }

  /// Copies `size` bytes into `data`, swapping each `element`-byte group when the byte orders
  /// differ. Throws cereal::Exception when fewer than `size` bytes are left.
  void load_bytes(void* data, std::size_t size, std::size_t element) {
    if (size > remaining()) {
      throw cereal::Exception("picos: serialized data ends early (needed " + std::to_string(size) + " bytes, " +
                              std::to_string(remaining()) + " left)");
    }
    if (size != 0) std::memcpy(data, bytes_.data() + position_, size);
    position_ += size;
    if (swap_ && element > 1) {
      auto* p = static_cast<unsigned char*>(data);
      for (std::size_t i = 0; i + element <= size; i += element) {
        for (std::size_t j = 0; j < element / 2; ++j) std::swap(p[i + j], p[i + element - 1 - j]);
      }
    }
  }

  /// Bytes not read yet.
  [[nodiscard]] std::size_t remaining() const noexcept { return bytes_.size() - position_; }

  /// Checks a container size read from the input against the bytes left. Throws cereal::Exception.
  void check_count(std::uint64_t count) const {
    if (count > remaining()) {
      throw cereal::Exception("picos: serialized container claims " + std::to_string(count) +
                              " elements but only " + std::to_string(remaining()) + " bytes are left");
    }
  }

  /// Tracks Message nesting; throws cereal::Exception beyond max_depth.
  void enter_message() {
    if (++depth_ > max_depth) throw cereal::Exception("picos: serialized messages nested too deeply");
  }
  void leave_message() noexcept { --depth_; }

 private:
  static bool host_is_little() noexcept {
    const std::uint16_t probe = 1;
    unsigned char first = 0;
    std::memcpy(&first, &probe, 1);
    return first == 1;
  }

  std::span<const std::byte> bytes_;
  std::size_t position_ = 0;
  bool swap_ = false;
  int depth_ = 0;
};

/// Arithmetic values (bool must be 0 or 1).
template <class T>
  requires std::is_arithmetic_v<T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, T& value) {
  static_assert(!std::is_floating_point_v<T> || std::numeric_limits<T>::is_iec559,
                "portable archives need IEEE 754 floating point");
  if constexpr (std::is_same_v<T, bool>) {
    std::uint8_t byte = 0;
    ar.load_bytes(&byte, 1, 1);
    if (byte > 1) throw cereal::Exception("picos: bad bool value in serialized data");
    value = byte == 1;
  } else {
    ar.load_bytes(std::addressof(value), sizeof(T), sizeof(T));
  }
}

/// Names are not stored in binary archives.
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::NameValuePair<T>& pair) {
  ar(pair.value);
}

/// Container sizes: bounded by the bytes left.
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::SizeTag<T>& tag) {
  std::uint64_t size = 0;
  ar(size);
  ar.check_count(size);
  tag.size = static_cast<std::remove_reference_t<T>>(size);
}

/// Blocks of arithmetic values (strings, vectors of numbers).
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::BinaryData<T>& data) {
  using Element = std::remove_cv_t<std::remove_pointer_t<T>>;
  ar.load_bytes(data.data, static_cast<std::size_t>(data.size), sizeof(Element));
}

}  // namespace picos

namespace cereal::traits::detail {
template <>
struct get_output_from_input<picos::BoundedInputArchive> {
  using type = cereal::PortableBinaryOutputArchive;
};
}  // namespace cereal::traits::detail
