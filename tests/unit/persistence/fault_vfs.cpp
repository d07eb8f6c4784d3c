#include "fault_vfs.hpp"

#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <unistd.h>
#include <vector>

#include <sqlite3.h>

namespace tfarm::test {

namespace {

/// What one write overwrote: put back in reverse order by power_loss().
struct undo_entry {
  int64_t offset = 0;
  std::string bytes;
};

/// Per file path: what its unsynced writes changed, and its size at the
/// last sync.
struct file_history {
  std::vector<undo_entry> undo;
  int64_t synced_size = -1;
};

struct state {
  std::mutex mtx;
  sqlite3_vfs* real = nullptr;
  uint64_t counts[3] = {0, 0, 0};
  // The armed fault.
  bool armed = false;
  fault_vfs::op what = fault_vfs::op::write;
  uint64_t at = 0;
  fault_vfs::failure kind = fault_vfs::failure::io_error;
  bool sticky = false;
  bool fired = false;
  bool frozen = false;
  std::map<std::string, file_history> files;
};

state& st() {
  static state s;
  return s;
}

struct fault_file {
  sqlite3_file base;
  std::string* path; // owned
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

/// Counts `x` and answers whether it must fail (and with which code).
int check(fault_vfs::op x) {
  auto& s = st();
  std::lock_guard guard{s.mtx};
  if (s.frozen)
    return SQLITE_IOERR;
  auto n = ++s.counts[static_cast<int>(x)];
  if (!s.armed || s.what != x || n < s.at || (n > s.at && !s.sticky))
    return SQLITE_OK;
  s.fired = true;
  if (s.kind == fault_vfs::failure::disk_full && x == fault_vfs::op::write)
    return SQLITE_FULL;
  switch (x) {
  case fault_vfs::op::write:
    return SQLITE_IOERR_WRITE;
  case fault_vfs::op::sync:
    return SQLITE_IOERR_FSYNC;
  case fault_vfs::op::read:
    return SQLITE_IOERR_READ;
  }
  return SQLITE_IOERR;
}

int64_t real_size(sqlite3_file* f) {
  sqlite3_int64 n = 0;
  return f->pMethods->xFileSize(f, &n) == SQLITE_OK ? n : -1;
}

/// Remembers what [offset, offset + n) held before a write or truncation.
void remember(fault_file* f, int64_t offset, int64_t n) {
  auto real = f->real();
  auto size = real_size(real);
  auto& s = st();
  std::lock_guard guard{s.mtx};
  auto& h = s.files[*f->path];
  if (h.synced_size < 0)
    h.synced_size = size;
  undo_entry e;
  e.offset = offset;
  auto have = std::max<int64_t>(0, std::min(n, size - offset));
  e.bytes.resize(static_cast<size_t>(have));
  if (have > 0 &&
      real->pMethods->xRead(real, e.bytes.data(), static_cast<int>(have), offset) != SQLITE_OK)
    e.bytes.clear();
  h.undo.push_back(std::move(e));
}

int f_close(sqlite3_file* p) {
  auto f = reinterpret_cast<fault_file*>(p);
  auto rc = f->real()->pMethods ? f->real()->pMethods->xClose(f->real()) : SQLITE_OK;
  delete f->path;
  f->path = nullptr;
  return rc;
}

int f_read(sqlite3_file* p, void* buf, int n, sqlite3_int64 off) {
  auto f = reinterpret_cast<fault_file*>(p);
  if (auto rc = check(fault_vfs::op::read); rc != SQLITE_OK)
    return rc;
  return f->real()->pMethods->xRead(f->real(), buf, n, off);
}

int f_write(sqlite3_file* p, const void* buf, int n, sqlite3_int64 off) {
  auto f = reinterpret_cast<fault_file*>(p);
  if (auto rc = check(fault_vfs::op::write); rc != SQLITE_OK)
    return rc;
  remember(f, off, n);
  return f->real()->pMethods->xWrite(f->real(), buf, n, off);
}

int f_truncate(sqlite3_file* p, sqlite3_int64 size) {
  auto f = reinterpret_cast<fault_file*>(p);
  if (auto rc = check(fault_vfs::op::write); rc != SQLITE_OK)
    return rc;
  auto now = real_size(f->real());
  if (now > size)
    remember(f, size, now - size);
  return f->real()->pMethods->xTruncate(f->real(), size);
}

int f_sync(sqlite3_file* p, int flags) {
  auto f = reinterpret_cast<fault_file*>(p);
  if (auto rc = check(fault_vfs::op::sync); rc != SQLITE_OK)
    return rc;
  auto rc = f->real()->pMethods->xSync(f->real(), flags);
  if (rc == SQLITE_OK) {
    auto size = real_size(f->real());
    auto& s = st();
    std::lock_guard guard{s.mtx};
    auto& h = s.files[*f->path];
    h.undo.clear();
    h.synced_size = size;
  }
  return rc;
}

int f_file_size(sqlite3_file* p, sqlite3_int64* size) {
  auto f = reinterpret_cast<fault_file*>(p);
  return f->real()->pMethods->xFileSize(f->real(), size);
}
int f_lock(sqlite3_file* p, int x) {
  auto f = reinterpret_cast<fault_file*>(p);
  return f->real()->pMethods->xLock(f->real(), x);
}
int f_unlock(sqlite3_file* p, int x) {
  auto f = reinterpret_cast<fault_file*>(p);
  return f->real()->pMethods->xUnlock(f->real(), x);
}
int f_check_reserved_lock(sqlite3_file* p, int* out) {
  auto f = reinterpret_cast<fault_file*>(p);
  return f->real()->pMethods->xCheckReservedLock(f->real(), out);
}
int f_file_control(sqlite3_file* p, int op, void* arg) {
  auto f = reinterpret_cast<fault_file*>(p);
  return f->real()->pMethods->xFileControl(f->real(), op, arg);
}
int f_sector_size(sqlite3_file* p) {
  auto f = reinterpret_cast<fault_file*>(p);
  return f->real()->pMethods->xSectorSize(f->real());
}
int f_device_characteristics(sqlite3_file* p) {
  auto f = reinterpret_cast<fault_file*>(p);
  // Not SQLITE_IOCAP_POWERSAFE_OVERWRITE or any atomic-write promise: the
  // simulated disk keeps none of them.
  return f->real()->pMethods->xDeviceCharacteristics(f->real()) &
         ~(SQLITE_IOCAP_POWERSAFE_OVERWRITE | SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_SAFE_APPEND |
           SQLITE_IOCAP_SEQUENTIAL);
}
int f_shm_map(sqlite3_file* p, int pg, int sz, int extend, void volatile** out) {
  auto f = reinterpret_cast<fault_file*>(p);
  return f->real()->pMethods->xShmMap(f->real(), pg, sz, extend, out);
}
int f_shm_lock(sqlite3_file* p, int offset, int n, int flags) {
  auto f = reinterpret_cast<fault_file*>(p);
  return f->real()->pMethods->xShmLock(f->real(), offset, n, flags);
}
void f_shm_barrier(sqlite3_file* p) {
  auto f = reinterpret_cast<fault_file*>(p);
  f->real()->pMethods->xShmBarrier(f->real());
}
int f_shm_unmap(sqlite3_file* p, int del) {
  auto f = reinterpret_cast<fault_file*>(p);
  return f->real()->pMethods->xShmUnmap(f->real(), del);
}

const sqlite3_io_methods fault_methods = {2, // iVersion: with shared memory (WAL), without mmap
                                          f_close,
                                          f_read,
                                          f_write,
                                          f_truncate,
                                          f_sync,
                                          f_file_size,
                                          f_lock,
                                          f_unlock,
                                          f_check_reserved_lock,
                                          f_file_control,
                                          f_sector_size,
                                          f_device_characteristics,
                                          f_shm_map,
                                          f_shm_lock,
                                          f_shm_barrier,
                                          f_shm_unmap,
                                          nullptr,
                                          nullptr};

int v_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* p, int flags, int* out_flags) {
  auto real = st().real;
  auto f = reinterpret_cast<fault_file*>(p);
  std::memset(f, 0, sizeof(fault_file));
  auto rc = real->xOpen(real, name, f->real(), flags, out_flags);
  if (rc != SQLITE_OK)
    return rc;
  f->path = new std::string{name != nullptr ? name : ""};
  f->base.pMethods = &fault_methods;
  (void)vfs;
  return SQLITE_OK;
}

int v_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  {
    auto& s = st();
    std::lock_guard guard{s.mtx};
    if (s.frozen)
      return SQLITE_IOERR_DELETE;
    s.files.erase(name);
  }
  return st().real->xDelete(st().real, name, sync_dir);
}
int v_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return st().real->xAccess(st().real, name, flags, out);
}
int v_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return st().real->xFullPathname(st().real, name, n, out);
}
void* v_dl_open(sqlite3_vfs*, const char* x) {
  return st().real->xDlOpen(st().real, x);
}
void v_dl_error(sqlite3_vfs*, int n, char* out) {
  st().real->xDlError(st().real, n, out);
}
void (*v_dl_sym(sqlite3_vfs*, void* h, const char* x))(void) {
  return st().real->xDlSym(st().real, h, x);
}
void v_dl_close(sqlite3_vfs*, void* h) {
  st().real->xDlClose(st().real, h);
}
int v_randomness(sqlite3_vfs*, int n, char* out) {
  return st().real->xRandomness(st().real, n, out);
}
int v_sleep(sqlite3_vfs*, int us) {
  return st().real->xSleep(st().real, us);
}
int v_current_time(sqlite3_vfs*, double* out) {
  return st().real->xCurrentTime(st().real, out);
}
int v_get_last_error(sqlite3_vfs*, int n, char* out) {
  return st().real->xGetLastError(st().real, n, out);
}
int v_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return st().real->xCurrentTimeInt64(st().real, out);
}

void register_once() {
  static bool done = [] {
    auto real = sqlite3_vfs_find(nullptr);
    st().real = real;
    static sqlite3_vfs vfs{};
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(sizeof(fault_file)) + real->szOsFile;
    vfs.mxPathname = real->mxPathname;
    vfs.zName = fault_vfs::name;
    vfs.xOpen = v_open;
    vfs.xDelete = v_delete;
    vfs.xAccess = v_access;
    vfs.xFullPathname = v_full_pathname;
    vfs.xDlOpen = v_dl_open;
    vfs.xDlError = v_dl_error;
    vfs.xDlSym = v_dl_sym;
    vfs.xDlClose = v_dl_close;
    vfs.xRandomness = v_randomness;
    vfs.xSleep = v_sleep;
    vfs.xCurrentTime = v_current_time;
    vfs.xGetLastError = v_get_last_error;
    vfs.xCurrentTimeInt64 = v_current_time_int64;
    return sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
  }();
  (void)done;
}

} // namespace

void fault_vfs::reset() {
  register_once();
  auto& s = st();
  std::lock_guard guard{s.mtx};
  s.counts[0] = s.counts[1] = s.counts[2] = 0;
  s.armed = s.fired = s.frozen = s.sticky = false;
  s.files.clear();
}

void fault_vfs::fail(op x, uint64_t nth, failure f, bool sticky) {
  auto& s = st();
  std::lock_guard guard{s.mtx};
  s.armed = true;
  s.what = x;
  s.at = s.counts[static_cast<int>(x)] + nth;
  s.kind = f;
  s.sticky = sticky;
  s.fired = false;
}

uint64_t fault_vfs::count(op x) {
  auto& s = st();
  std::lock_guard guard{s.mtx};
  return s.counts[static_cast<int>(x)];
}

bool fault_vfs::fired() {
  auto& s = st();
  std::lock_guard guard{s.mtx};
  return s.fired;
}

void fault_vfs::freeze() {
  auto& s = st();
  std::lock_guard guard{s.mtx};
  s.frozen = true;
}

uint64_t fault_vfs::power_loss() {
  auto& s = st();
  std::lock_guard guard{s.mtx};
  uint64_t undone = 0;
  for (auto& [path, h] : s.files) {
    if (h.undo.empty() && h.synced_size < 0)
      continue;
    auto fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
      continue; // deleted since: a delete is taken as durable
    for (auto i = h.undo.rbegin(); i != h.undo.rend(); ++i, ++undone)
      if (!i->bytes.empty())
        (void)::pwrite(fd, i->bytes.data(), i->bytes.size(), i->offset);
    if (h.synced_size >= 0)
      (void)::ftruncate(fd, h.synced_size);
    ::close(fd);
    h.undo.clear();
    // The WAL index is shared memory: a power cut loses it, and the next
    // open rebuilds it from the WAL.
    if (path.size() > 4 && path.compare(path.size() - 4, 4, "-wal") == 0)
      (void)::unlink((path.substr(0, path.size() - 4) + "-shm").c_str());
  }
  s.frozen = false;
  s.armed = false;
  return undone;
}

} // namespace tfarm::test
