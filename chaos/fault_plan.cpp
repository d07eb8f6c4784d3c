#include "chaos/fault_plan.hpp"

#include <algorithm>

namespace tfarm::chaos {

namespace {

/// Draws of one fault before the shape is declared too crowded.
constexpr int fault_draws_max = 1'000;

struct span {
  int64_t from = 0;
  int64_t to = 0;
};

bool overlaps(const fault& f, const span& s) {
  return f.at_ms < s.to && s.from < f.end_ms();
}

} // namespace

std::string to_string(fault_kind x) {
  switch (x) {
  case fault_kind::member_kill:
    return "member_kill";
  case fault_kind::member_pause:
    return "member_pause";
  case fault_kind::member_partition:
    return "member_partition";
  case fault_kind::exchange_partition:
    return "exchange_partition";
  case fault_kind::store_restart:
    return "store_restart";
  case fault_kind::venue_latency:
    return "venue_latency";
  case fault_kind::venue_errors:
    return "venue_errors";
  case fault_kind::venue_lost_answers:
    return "venue_lost_answers";
  case fault_kind::venue_disconnect:
    return "venue_disconnect";
  case fault_kind::venue_restart:
    return "venue_restart";
  case fault_kind::operator_halt:
    return "operator_halt";
  case fault_kind::operator_emergency:
    return "operator_emergency";
  case fault_kind::operator_freeze:
    return "operator_freeze";
  }
  return "unknown";
}

const std::vector<fault_kind>& fault_kinds() {
  static const std::vector<fault_kind> xs{
      fault_kind::member_kill,      fault_kind::member_pause,
      fault_kind::member_partition, fault_kind::exchange_partition,
      fault_kind::store_restart,    fault_kind::venue_latency,
      fault_kind::venue_errors,     fault_kind::venue_lost_answers,
      fault_kind::venue_disconnect, fault_kind::venue_restart,
      fault_kind::operator_halt,    fault_kind::operator_emergency,
      fault_kind::operator_freeze};
  return xs;
}

bool takes_member(fault_kind x) noexcept {
  return x == fault_kind::member_kill || x == fault_kind::member_pause ||
         x == fault_kind::member_partition;
}

bool on_venue(fault_kind x) noexcept {
  return x == fault_kind::venue_latency || x == fault_kind::venue_errors ||
         x == fault_kind::venue_lost_answers || x == fault_kind::venue_disconnect ||
         x == fault_kind::venue_restart;
}

uint64_t seeded_random::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int64_t seeded_random::between(int64_t lo, int64_t hi) {
  auto range = static_cast<uint64_t>(hi - lo) + 1;
  return lo + static_cast<int64_t>(range == 0 ? next() : next() % range);
}

std::vector<fault> make_plan(const plan_shape& shape, std::string& why) {
  if (shape.members.size() < 2) {
    why = "a chaos run needs a cluster of two members or more (it has " +
          std::to_string(shape.members.size()) + ")";
    return {};
  }
  if (shape.faults > plan_faults_max) {
    why =
        "--faults " + std::to_string(shape.faults) + ": at most " + std::to_string(plan_faults_max);
    return {};
  }
  auto phase_min = std::max<int64_t>(fault_length_max_ms * 2,
                                     static_cast<int64_t>(shape.faults) * phase_per_fault_min_ms);
  if (shape.duration_ms < phase_min) {
    why = std::to_string(shape.faults) + " faults need a fault phase of " +
          std::to_string(phase_min / 1'000) + " s or more (--duration)";
    return {};
  }
  seeded_random rnd{shape.seed};
  std::vector<fault> plan;
  auto busy = [&](fault_kind k, const std::string& target, const span& s) {
    return std::any_of(plan.begin(), plan.end(), [&](const fault& f) {
      if (!overlaps(f, s))
        return false;
      if (takes_member(k) && takes_member(f.kind))
        return f.target == target;
      if (on_venue(k) && on_venue(f.kind))
        return f.target == target || k == fault_kind::venue_restart ||
               f.kind == fault_kind::venue_restart;
      if (k == fault_kind::exchange_partition)
        return f.kind == k && f.target == target;
      return f.kind == k;
    });
  };
  auto members_away = [&](const span& s) {
    return std::count_if(plan.begin(), plan.end(),
                         [&](const fault& f) { return takes_member(f.kind) && overlaps(f, s); });
  };
  for (uint32_t i = 0; i < shape.faults; ++i) {
    bool placed = false;
    for (int draw = 0; draw < fault_draws_max && !placed; ++draw) {
      fault f;
      auto& kinds = fault_kinds();
      f.kind = kinds[static_cast<size_t>(rnd.between(0, static_cast<int64_t>(kinds.size()) - 1))];
      if ((f.kind == fault_kind::store_restart || f.kind == fault_kind::member_partition) &&
          !shape.own_store)
        continue;
      switch (f.kind) {
      case fault_kind::member_pause:
      case fault_kind::member_partition:
        f.length_ms = rnd.between(
            shape.lease_ttl_ms + fault_length_min_ms,
            std::max(shape.lease_ttl_ms + fault_length_min_ms,
                     std::min<int64_t>(fault_length_max_ms, shape.lease_ttl_ms + 4'000)));
        break;
      case fault_kind::store_restart:
        f.length_ms = rnd.between(fault_length_min_ms, store_down_max_ms);
        break;
      default:
        f.length_ms = rnd.between(fault_length_min_ms, fault_length_max_ms);
      }
      f.at_ms = rnd.between(0, shape.duration_ms - f.length_ms);
      if (f.kind == fault_kind::venue_latency)
        f.intensity = rnd.between(20, 3'000); // ms; past the session's timeout at times
      else if (f.kind == fault_kind::venue_errors)
        f.intensity = rnd.between(50'000, 500'000);
      else if (f.kind == fault_kind::venue_lost_answers)
        f.intensity = rnd.between(20'000, 300'000);
      span s{f.at_ms, f.end_ms()};
      std::vector<std::string> candidates;
      if (takes_member(f.kind)) {
        if (members_away(s) + 1 >= static_cast<int64_t>(shape.members.size()))
          continue;
        candidates = shape.members;
      } else if (f.kind == fault_kind::exchange_partition) {
        candidates = shape.members;
      } else if (f.kind == fault_kind::venue_restart) {
        candidates = {"exchange"};
      } else if (on_venue(f.kind)) {
        candidates = shape.venues;
      } else if (f.kind == fault_kind::store_restart) {
        candidates = {"store"};
      } else {
        candidates = {f.kind == fault_kind::operator_halt ? "farm" : "vault"};
      }
      candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                      [&](const std::string& t) { return busy(f.kind, t, s); }),
                       candidates.end());
      if (candidates.empty())
        continue;
      f.target = candidates[static_cast<size_t>(
          rnd.between(0, static_cast<int64_t>(candidates.size()) - 1))];
      plan.push_back(std::move(f));
      placed = true;
    }
    if (!placed) {
      why = "cannot place " + std::to_string(shape.faults) + " faults in " +
            std::to_string(shape.duration_ms / 1'000) +
            " s without more members away at once than the cluster can spare; give a longer "
            "--duration";
      return {};
    }
  }
  std::stable_sort(plan.begin(), plan.end(),
                   [](const fault& a, const fault& b) { return a.at_ms < b.at_ms; });
  for (size_t i = 0; i < plan.size(); ++i)
    plan[i].id = static_cast<uint32_t>(i + 1);
  return plan;
}

} // namespace tfarm::chaos
