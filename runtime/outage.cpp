#include "runtime/outage.hpp"

#include <mutex>
#include <set>
#include <utility>

#include "runtime/error.hpp"

namespace tfarm::runtime {

namespace {

struct outage_codes {
  std::mutex mtx;
  std::set<std::pair<caf::atom_value, uint8_t>> codes;
};

outage_codes& registry() {
  static outage_codes x;
  return x;
}

} // namespace

void register_outage(caf::atom_value category, uint8_t code) {
  auto& r = registry();
  std::lock_guard<std::mutex> guard{r.mtx};
  r.codes.emplace(category, code);
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

} // namespace tfarm::runtime
