// A SQLite VFS for tests that fails the I/O a test chooses, and simulates
// losing power: it wraps SQLite's default VFS, counts writes, syncs and
// reads of every file, and
//  - fails the Nth one (an I/O error, or a full disk for a write), once or
//    from then on (a dead disk);
//  - remembers what each write overwrote until the file's next sync, so
//    that power_loss() can put back every byte that was never synced (the
//    page cache a power cut loses; SIGKILL keeps it, so only this shows a
//    missing fsync).
// Open a database through it with open_options::vfs = fault_vfs::name.
// Thread-safe (one mutex): the store's own thread does the I/O.
#pragma once

#include <cstdint>
#include <string>

namespace tfarm::test {

class fault_vfs {
public:
  static constexpr const char* name = "tfarm-fault";

  enum class op { write, sync, read };
  enum class failure { io_error, disk_full };

  /// Registers the VFS (once per process) and clears every count, fault
  /// and remembered write.
  static void reset();

  /// Fails the `nth` (1-based, counted from now) operation `x` with `f`;
  /// every later one too if `sticky`.
  static void fail(op x, uint64_t nth, failure f = failure::io_error, bool sticky = false);

  /// Operations of kind `x` since reset().
  static uint64_t count(op x);

  /// True once an injected fault fired.
  static bool fired();

  /// Every operation from now on fails (the machine is gone).
  static void freeze();

  /// Puts back, in every file written through the VFS, each byte written
  /// and never synced, and each file's synced size. Call with the database
  /// closed (or abandoned); returns how many writes it undid.
  static uint64_t power_loss();
};

} // namespace tfarm::test
