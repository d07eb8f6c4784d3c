#include "runtime/outage.hpp"

#include <map>
#include <mutex>
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

} // namespace

void register_outage(caf::atom_value category, uint8_t code, outage_kind kind) {
  auto& r = registry();
  std::lock_guard<std::mutex> guard{r.mtx};
  r.codes[{category, code}] = kind;
}

bool is_outage(const caf::error& x) {
  if (!x)
    return false;
  if (x == runtime_errc::store_unreachable)
    return true;
  auto& r = registry();
  std::lock_guard<std::mutex> guard{r.mtx};
  return r.codes.count({x.category(), x.code()}) > 0;
}

bool is_unreachable(const caf::error& x) {
  if (!x)
    return false;
  if (x == runtime_errc::store_unreachable)
    return true;
  auto& r = registry();
  std::lock_guard<std::mutex> guard{r.mtx};
  auto i = r.codes.find({x.category(), x.code()});
  return i != r.codes.end() && i->second == outage_kind::unreachable;
}

} // namespace tfarm::runtime
