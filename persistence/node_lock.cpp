#include "persistence/node_lock.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "persistence/error.hpp"

namespace tfarm::persistence {

namespace {

long read_pid(int fd) {
  char buf[32] = {};
  auto n = pread(fd, buf, sizeof(buf) - 1, 0);
  return n > 0 ? std::strtol(buf, nullptr, 10) : 0;
}

} // namespace

caf::expected<node_lock> node_lock::acquire(const std::string& db_file) {
  auto path = db_file + ".lock";
  auto fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return caf::error{store_errc::open_failed,
                      "cannot create " + path + ": " + std::strerror(errno)};
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    auto pid = read_pid(fd);
    ::close(fd);
    return caf::error{store_errc::locked,
                      db_file + " is in use by another tfarm process" +
                          (pid > 0 ? " (pid " + std::to_string(pid) + ")" : "") +
                          "; stop it first or use --db elsewhere"};
  }
  auto pid = std::to_string(static_cast<long>(getpid())) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock itself holds; the pid is only informative.
  }
  return node_lock{fd, path};
}

long node_lock::holder(const std::string& db_file) {
  auto path = db_file + ".lock";
  auto fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  long result = 0;
  if (flock(fd, LOCK_SH | LOCK_NB) != 0)
    result = std::max(read_pid(fd), 1L);
  else
    flock(fd, LOCK_UN);
  ::close(fd);
  return result;
}

node_lock::node_lock(node_lock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

node_lock& node_lock::operator=(node_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

node_lock::~node_lock() {
  if (fd_ >= 0)
    ::close(fd_); // releases the flock
}

} // namespace tfarm::persistence
