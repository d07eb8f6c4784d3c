// Reads cereal's portable binary format (what encode_state writes) from a
// blob in memory, refusing any length that claims more elements than the
// blob has bytes left: a garbled checkpoint cannot make a restore allocate
// gigabytes before it fails (cereal's own archive resizes first). Include
// only through state_codec.hpp.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>

namespace tfarm::runtime::detail {

class bounded_input_archive
    : public cereal::InputArchive<bounded_input_archive, cereal::AllowEmptyClassElision> {
public:
  explicit bounded_input_archive(std::string_view blob)
      : cereal::InputArchive<bounded_input_archive, cereal::AllowEmptyClassElision>(this),
        blob_(blob) {
    uint8_t little = 0;
    (*this)(little);
    uint16_t probe = 1;
    uint8_t here_little = 0;
    std::memcpy(&here_little, &probe, 1);
    swap_ = (little != 0) != (here_little != 0);
  }

  /// Bytes not read yet.
  size_t left() const noexcept { return blob_.size() - pos_; }

  template <std::streamsize DataSize>
  void loadBinary(void* data, std::streamsize size) {
    if (size < 0 || static_cast<size_t>(size) > left())
      throw cereal::Exception("the blob ends " + std::to_string(size - std::streamsize(left())) +
                              " bytes early");
    if (size == 0)
      return; // an empty string or vector: its data() may be null
    std::memcpy(data, blob_.data() + pos_, static_cast<size_t>(size));
    pos_ += static_cast<size_t>(size);
    if (swap_ && DataSize > 1) {
      auto p = static_cast<uint8_t*>(data);
      for (std::streamsize i = 0; i + DataSize <= size; i += DataSize)
        for (std::streamsize a = i, b = i + DataSize - 1; a < b; ++a, --b)
          std::swap(p[a], p[b]);
    }
  }

private:
  std::string_view blob_;
  size_t pos_ = 0;
  bool swap_ = false;
};

template <class T>
std::enable_if_t<std::is_arithmetic<T>::value> CEREAL_LOAD_FUNCTION_NAME(bounded_input_archive& ar,
                                                                         T& t) {
  ar.template loadBinary<sizeof(T)>(std::addressof(t), sizeof(t));
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(bounded_input_archive& ar, cereal::NameValuePair<T>& t) {
  ar(t.value);
}

/// A length: every element takes at least one byte of what is left.
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(bounded_input_archive& ar, cereal::SizeTag<T>& t) {
  ar(t.size);
  if (static_cast<uint64_t>(t.size) > ar.left())
    throw cereal::Exception("a length of " + std::to_string(static_cast<uint64_t>(t.size)) +
                            " with " + std::to_string(ar.left()) + " bytes left");
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(bounded_input_archive& ar, cereal::BinaryData<T>& bd) {
  using element = std::remove_pointer_t<T>;
  ar.template loadBinary<sizeof(element)>(bd.data, static_cast<std::streamsize>(bd.size));
}

} // namespace tfarm::runtime::detail

CEREAL_REGISTER_ARCHIVE(tfarm::runtime::detail::bounded_input_archive)

// Only this direction: the portable output archive's reader stays cereal's.
namespace cereal::traits::detail {
template <>
struct get_output_from_input<tfarm::runtime::detail::bounded_input_archive> {
  using type = cereal::PortableBinaryOutputArchive;
};
} // namespace cereal::traits::detail
