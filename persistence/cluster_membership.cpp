#include "persistence/cluster_membership.hpp"

#include <set>

#include <spdlog/logger.h>

#include "persistence/logger.hpp"

namespace tfarm::persistence {

cluster_membership::cluster_membership(cluster_store& store, member_identity me,
                                       std::vector<std::string> users, membership_options opts)
    : store_(store), me_(std::move(me)), users_(std::move(users)), opts_(opts) {}

std::vector<std::string> cluster_membership::drop_all() {
  std::vector<std::string> result;
  for (auto& [user, epoch] : owned_)
    result.push_back(user);
  for (auto& [user, epoch] : leaving_)
    result.push_back(user);
  owned_.clear();
  leaving_.clear();
  return result;
}

membership_step cluster_membership::step(clock::time_point now) {
  membership_step out;
  if (!member_)
    return out;
  renewal r;
  try {
    if (!users_added_) {
      store_.add_users(users_);
      users_added_ = true;
    }
    r = store_.renew(me_);
  } catch (const std::exception& e) {
    out.error = e.what();
    // The leases may still be good on the server; this member can no
    // longer tell, and stops before anyone may claim them.
    if (valid_until_ && now >= *valid_until_ && !(owned_.empty() && leaving_.empty())) {
      out.stop = drop_all();
      log().error("cluster member {}: no renewal for {} ms: stopped its {} users ({})", me_.name,
                  opts_.lease_ttl.count() - opts_.margin.count(), out.stop.size(), out.error);
    }
    return out;
  }
  if (!r.member) {
    member_ = false;
    out.stop = drop_all();
    out.error = "incarnation " + std::to_string(me_.incarnation) + " of " + me_.name +
                " is no longer a member (its renewal ran out or a newer start replaced it)";
    log().error("cluster member {}: {}; stopped its {} users", me_.name, out.error,
                out.stop.size());
    return out;
  }
  // The server ran the renewal after `now`: its leases end after now + TTL.
  valid_until_ = now + opts_.lease_ttl - opts_.margin;
  std::set<std::string> extended(r.users.begin(), r.users.end());
  for (auto i = owned_.begin(); i != owned_.end();) {
    if (extended.count(i->first) == 0) {
      out.stop.push_back(i->first);
      i = owned_.erase(i);
    } else {
      ++i;
    }
  }
  if (leaving_cluster_)
    return out;
  try {
    std::vector<std::string> live;
    for (auto& m : store_.members())
      if (m.state == "joining" || m.state == "up")
        live.push_back(m.name);
    for (auto& user : users_) {
      auto owner = rendezvous_owner(user, live);
      auto held = owned_.find(user);
      if (owner == me_.name) {
        if (held != owned_.end() || leaving_.count(user) > 0)
          continue;
        // Fails while another member still holds it (its handoff under
        // way, or its lease not run out yet), or its row is locked (a
        // frozen member's write): tried again next step, after the others.
        try {
          if (auto epoch = store_.claim(user, me_); epoch > 0) {
            owned_[user] = epoch;
            out.start[user] = epoch;
          }
        } catch (const std::exception& e) {
          if (out.error.empty())
            out.error = "claiming " + user + ": " + e.what();
        }
      } else if (held != owned_.end() && !owner.empty()) {
        leaving_.insert(*held);
        owned_.erase(held);
        out.hand_off.push_back(user);
      }
    }
    if (!up_) {
      up_ = store_.set_state(me_, "up");
    }
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

void cluster_membership::released(const std::string& user) {
  if (leaving_.erase(user) == 0)
    return;
  try {
    store_.release(user, me_);
  } catch (const std::exception& e) {
    // Its lease runs out by itself within the TTL; nothing is written for
    // the user meanwhile (its subtree stopped).
    log().warn("cluster member {}: releasing {}: {}", me_.name, user, e.what());
  }
}

void cluster_membership::give_up(const std::string& user) {
  if (owned_.erase(user) == 0)
    return;
  try {
    store_.release(user, me_);
  } catch (const std::exception& e) {
    log().warn("cluster member {}: giving up {}: {}", me_.name, user, e.what());
  }
}

std::vector<std::string> cluster_membership::leave() {
  leaving_cluster_ = true;
  try {
    store_.set_state(me_, "leaving");
  } catch (const std::exception& e) {
    log().warn("cluster member {}: marking itself leaving: {}", me_.name, e.what());
  }
  std::vector<std::string> result;
  for (auto& [user, epoch] : owned_) {
    leaving_[user] = epoch;
    result.push_back(user);
  }
  owned_.clear();
  return result;
}

} // namespace tfarm::persistence
