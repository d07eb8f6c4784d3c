// The PostgreSQL client tools as a node runs them (pg_tools.hpp): what the
// child process gets. A stand-in pg_dump on PATH reports what it inherited,
// so no server is needed.
#include "persistence/pg_tools.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "runtime/error_text.hpp"
#include "temp_dir.hpp"

namespace {

/// The descriptor the test leaves open without close-on-exec, as a socket
/// a node listens on would be: high enough that no shell uses it itself.
constexpr int leaked_fd = 201;

// PATH holds a pg_dump that prints whether it has descriptor `leaked_fd`
// open and the password it was given, then fails (so pg_backup's error
// carries its output); restored at the end.
class pg_tools_test : public ::testing::Test {
protected:
  void SetUp() override {
    auto script = dir_.file("pg_dump");
    std::ofstream{script} << "#!/bin/sh\n"
                          << "if [ -e /proc/$$/fd/" << leaked_fd << " ]; then echo inherited; "
                          << "else echo not-inherited; fi\n"
                          << "echo \"password=$PGPASSWORD\"\nexit 3\n";
    ASSERT_EQ(chmod(script.c_str(), 0700), 0);
    old_path_ = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
    ASSERT_EQ(setenv("PATH", (dir_.path().string() + ":" + old_path_).c_str(), 1), 0);
    auto fd = open("/dev/null", O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(dup2(fd, leaked_fd), leaked_fd);
    close(fd);
  }

  void TearDown() override {
    close(leaked_fd);
    setenv("PATH", old_path_.c_str(), 1);
  }

  std::string backup_error(const std::string& url) {
    auto err = tfarm::persistence::pg_backup(url, dir_.file("farm.dump"));
    EXPECT_TRUE(err) << "the stand-in pg_dump fails, so must the backup";
    return tfarm::runtime::message_of(err);
  }

  tfarm::test::temp_dir dir_;
  std::string old_path_;
};

} // namespace

TEST_F(pg_tools_test, a_tool_inherits_none_of_the_nodes_descriptors) {
  // A pg_dump still running when its node is killed must not hold the
  // node's ports: its successor could not listen on them.
  auto text = backup_error("postgresql://farm@/farm?host=/nonexistent");
  EXPECT_NE(text.find("not-inherited"), std::string::npos) << text;
  EXPECT_EQ(text.find(" inherited"), std::string::npos) << text;
}

TEST_F(pg_tools_test, the_password_goes_through_the_environment_not_the_command_line) {
  ASSERT_EQ(setenv("PGPASSWORD", "from-the-shell", 1), 0);
  auto text = backup_error("postgresql://farm:s3cret@/farm?host=/nonexistent");
  unsetenv("PGPASSWORD");
  EXPECT_NE(text.find("password=s3cret"), std::string::npos) << text;
  EXPECT_EQ(text.find("from-the-shell"), std::string::npos) << text;
  EXPECT_EQ(text.find("s3cret@"), std::string::npos) << "the URL is redacted: " << text;
}
