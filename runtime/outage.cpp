#include "runtime/outage.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "runtime/error.hpp"

namespace tfarm::runtime {

namespace {

struct outage_codes {
  std::mutex mtx;
  std::map<std::pair<caf::atom_value, uint8_t>, outage_kind> codes;
};

outage_codes& registry() {
  static outage_codes x;
  return x;
}

// The kind of an outage; none for an error that is not one.
std::optional<outage_kind> kind_of(const caf::error& x) {
  if (!x)
    return std::nullopt;
  if (x == runtime_errc::store_unreachable)
    return outage_kind::unreachable;
  auto& r = registry();
  std::lock_guard<std::mutex> guard{r.mtx};
  auto i = r.codes.find({x.category(), x.code()});
  if (i == r.codes.end())
    return std::nullopt;
  return i->second;
}

} // namespace

void register_outage(caf::atom_value category, uint8_t code, outage_kind kind) {
  auto& r = registry();
  std::lock_guard<std::mutex> guard{r.mtx};
  r.codes[{category, code}] = kind;
}

bool is_outage(const caf::error& x) {
  return kind_of(x).has_value();
}

bool is_unreachable(const caf::error& x) {
  return kind_of(x) == outage_kind::unreachable;
}

} // namespace tfarm::runtime
