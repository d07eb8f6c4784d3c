// A process writing through the store is killed with SIGKILL in the middle
// of its writes: afterwards the database checks clean and every write it had
// seen acknowledged is there.
#include <csignal>
#include <cstdio>
#include <sstream>
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "persistence/maintenance.hpp"
#include "runtime/error_text.hpp"
#include "temp_dir.hpp"

using namespace tfarm;

namespace {

struct child_process {
  pid_t pid = -1;
  int out = -1;
};

child_process spawn_torture(const std::string& db) {
  int fds[2];
  if (pipe(fds) != 0)
    return {};
  auto pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(TFARM_STORE_TORTURE, TFARM_STORE_TORTURE, db.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

// Reads what the child printed until `enough` complete lines or the deadline;
// keeps reading after the kill to get lines already written.
void read_lines(int fd, std::string& buffer, std::vector<std::string>& lines, size_t enough,
                std::chrono::steady_clock::time_point deadline) {
  char chunk[4096];
  while (lines.size() < enough && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0)
      continue;
    auto n = read(fd, chunk, sizeof(chunk));
    if (n <= 0)
      break;
    buffer.append(chunk, static_cast<size_t>(n));
    size_t pos;
    while ((pos = buffer.find('\n')) != std::string::npos) {
      lines.push_back(buffer.substr(0, pos));
      buffer.erase(0, pos + 1);
    }
  }
}

} // namespace

TEST(crash, sigkill_mid_write_loses_nothing_acknowledged) {
  test::temp_dir dir;
  auto db = dir.file("crash.db");
  for (int round = 0; round < 3; ++round) {
    auto child = spawn_torture(db);
    ASSERT_GT(child.pid, 0);
    std::string buffer;
    std::vector<std::string> lines;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    read_lines(child.out, buffer, lines, 400 + static_cast<size_t>(round) * 100, deadline);
    ASSERT_GE(lines.size(), 400u) << "the writer did not get going";
    kill(child.pid, SIGKILL);
    int status = 0;
    waitpid(child.pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    // Lines the child wrote before it died are still in the pipe.
    read_lines(child.out, buffer, lines, SIZE_MAX,
               std::chrono::steady_clock::now() + std::chrono::milliseconds{200});
    close(child.out);
    auto findings = persistence::check_database(db);
    ASSERT_TRUE(findings) << runtime::to_text(findings.error());
    EXPECT_EQ(findings->problems, std::vector<std::string>{}) << "round " << round;
    SQLite::Database conn{db, SQLite::OPEN_READONLY};
    SQLite::Statement cp{conn, "SELECT MAX(seq) FROM checkpoints WHERE path = ?"};
    SQLite::Statement tx{conn,
                         "SELECT COUNT(*) FROM ledger_transactions WHERE idempotency_key = ?"};
    size_t checked = 0;
    for (auto& line : lines) {
      std::istringstream in{line};
      std::string type, id;
      uint64_t seq = 0;
      in >> type >> id >> seq;
      if (type == "cp") {
        cp.bind(1, id);
        ASSERT_TRUE(cp.executeStep());
        EXPECT_GE(static_cast<uint64_t>(cp.getColumn(0).getInt64()), seq)
            << "acknowledged checkpoint " << id << " is missing";
        cp.reset();
      } else if (type == "tx") {
        tx.bind(1, id);
        ASSERT_TRUE(tx.executeStep());
        EXPECT_EQ(tx.getColumn(0).getInt(), 1)
            << "acknowledged transaction " << id << " is missing";
        tx.reset();
      } else {
        continue;
      }
      ++checked;
    }
    EXPECT_GE(checked, 400u);
  }
}
