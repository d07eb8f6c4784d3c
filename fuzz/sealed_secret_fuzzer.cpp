// Credential unsealing: a sealed secret read back from the store (which a
// damaged disk or an intruder with write access may have changed), and the
// master key's hex text. First byte selects: 0 open the rest as a sealed
// secret, 1 read the rest as a master key, else seal the rest and open it
// again, then with one byte changed.
// Properties: no crash; garbage never opens; a sealed secret opens to what
// was sealed, only under its own context, and not once any byte changed.
#include <string>

#include "actors/exchange/secret_box.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

constexpr const char* key_hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* context = "sim-a/alice-main/k1";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tfarm::actors::secret_box;
  using tfarm::fuzz::require;
  if (size == 0)
    return 0;
  static const auto box = *secret_box::from_hex(key_hex);
  std::string rest{tfarm::fuzz::text_of(data + 1, size - 1)};
  switch (data[0]) {
  case 0: {
    auto opened = box.open(rest, context);
    require(!opened, "bytes nobody sealed do not open");
    break;
  }
  case 1:
    secret_box::from_hex(rest);
    break;
  default: {
    auto sealed = box.seal(rest, context);
    require(static_cast<bool>(sealed), "any secret seals");
    auto opened = box.open(*sealed, context);
    require(opened && *opened == rest, "a sealed secret opens to what was sealed");
    require(!box.open(*sealed, "sim-a/alice-main/k2"), "it opens under its own context only");
    auto changed = *sealed;
    changed[data[0] % changed.size()] ^= static_cast<char>(1 + data[size - 1] % 255);
    require(!box.open(changed, context), "a changed byte is seen");
    break;
  }
  }
  return 0;
}
