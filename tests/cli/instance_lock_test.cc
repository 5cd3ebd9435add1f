#include "cli/instance_lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "status_matchers.h"

namespace statusbridge::cli {
namespace {

namespace fs = std::filesystem;

class InstanceLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sb_lock_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string Read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static void Write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

  fs::path dir_;
};

TEST_F(InstanceLockTest, SecondInstanceOnTheSameStateFileIsRefused) {
  const std::string state = (dir_ / "state.db").string();
  auto first = InstanceLock::Acquire(state);
  ASSERT_OK(first.status());
  EXPECT_EQ(Read(dir_ / "state.db.lock"), std::to_string(getpid()) + "\n");
  auto second = InstanceLock::Acquire(state);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("already running"), std::string::npos);
  EXPECT_NE(second.status().message().find("pid " + std::to_string(getpid())), std::string::npos);
}

TEST_F(InstanceLockTest, ASymlinkToTheSameStateFileTakesTheSameLock) {
  const fs::path state = dir_ / "state.db";
  Write(state, "");
  fs::create_directory(dir_ / "other");
  fs::create_symlink(state, dir_ / "other" / "alias.db");
  auto first = InstanceLock::Acquire(state.string());
  ASSERT_OK(first.status());
  auto second = InstanceLock::Acquire((dir_ / "other" / "alias.db").string());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("already running"), std::string::npos);
  // A path through a symlinked directory, or with "..", reaches it too.
  fs::create_directory_symlink(dir_, dir_ / "other" / "up");
  EXPECT_FALSE(InstanceLock::Acquire((dir_ / "other" / "up" / "state.db").string()).ok());
  EXPECT_FALSE(InstanceLock::Acquire((dir_ / "other" / ".." / "state.db").string()).ok());
  // Before the state file exists, its directory is resolved the same way.
  auto fresh = InstanceLock::Acquire((dir_ / "other" / "up" / "new.db").string());
  ASSERT_OK(fresh.status());
  EXPECT_FALSE(InstanceLock::Acquire((dir_ / "new.db").string()).ok());
}

TEST_F(InstanceLockTest, APlantedSymlinkIsNeverFollowed) {
  const fs::path victim = dir_ / "victim.txt";
  Write(victim, "precious data\n");
  fs::create_symlink(victim, dir_ / "state.db.lock");
  auto lock = InstanceLock::Acquire((dir_ / "state.db").string());
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(lock.status().message().find("symbolic link"), std::string::npos);
  EXPECT_EQ(Read(victim), "precious data\n");
}

TEST_F(InstanceLockTest, AHardLinkedLockFileIsRefused) {
  const fs::path victim = dir_ / "victim.txt";
  Write(victim, "1234\n");
  fs::create_hard_link(victim, dir_ / "state.db.lock");
  auto lock = InstanceLock::Acquire((dir_ / "state.db").string());
  ASSERT_FALSE(lock.ok());
  EXPECT_NE(lock.status().message().find("single link"), std::string::npos);
  EXPECT_EQ(Read(victim), "1234\n");
}

TEST_F(InstanceLockTest, ALockFileWithOtherContentIsNotTruncated) {
  Write(dir_ / "state.db.lock", "not a pid, somebody's notes\n");
  auto lock = InstanceLock::Acquire((dir_ / "state.db").string());
  ASSERT_OK(lock.status());
  EXPECT_EQ(Read(dir_ / "state.db.lock"), "not a pid, somebody's notes\n");
}

TEST_F(InstanceLockTest, AStalePidIsReplaced) {
  Write(dir_ / "state.db.lock", "99999999\n");
  auto lock = InstanceLock::Acquire((dir_ / "state.db").string());
  ASSERT_OK(lock.status());
  EXPECT_EQ(Read(dir_ / "state.db.lock"), std::to_string(getpid()) + "\n");
}

TEST_F(InstanceLockTest, AMissingDirectoryIsAClearError) {
  auto lock = InstanceLock::Acquire((dir_ / "nope" / "state.db").string());
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(lock.status().message().find("nope"), std::string::npos);
}

TEST_F(InstanceLockTest, TheLockIsReleasedWithTheObject) {
  const std::string state = (dir_ / "state.db").string();
  {
    auto first = InstanceLock::Acquire(state);
    ASSERT_OK(first.status());
  }
  EXPECT_OK(InstanceLock::Acquire(state));
}

}  // namespace
}  // namespace statusbridge::cli
