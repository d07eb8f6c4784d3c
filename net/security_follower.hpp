// A cluster member's watch on the store's security state: every
// security_follow_interval_ms it reads (on a connection of its own) the state any member may have
// changed (a lockdown, an unlock step, a new admin token) and brings this
// node in line (security_control::follow). So a lockdown asked on one
// member logs off every member's sessions and puts the new admin token in
// force everywhere within about a second. A failed read is logged once
// until one succeeds.
//
// Thread-safety: its own thread; construction and destruction from one
// thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace tfarm::net {

class security_control;

class security_follower {
public:
  /// Starts the thread; the first read is made at once.
  security_follower(std::shared_ptr<security_control> control, std::string db);

  /// Stops the thread (a read under way finishes first).
  ~security_follower();

  security_follower(const security_follower&) = delete;
  security_follower& operator=(const security_follower&) = delete;

private:
  void run();

  std::shared_ptr<security_control> control_;
  std::string db_;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool quit_ = false;
  std::thread thread_;
};

} // namespace tfarm::net
