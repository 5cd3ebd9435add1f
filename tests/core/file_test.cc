#include "core/file.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "fifo_guard.h"
#include "status_matchers.h"

namespace statusbridge {
namespace {

using ::statusbridge::testing::StatusIs;

// A fresh directory under the test temp dir.
std::string MakeTempDir(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("file_test_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

// Reads `path` on another thread, so that a regression (a blocking open) fails instead of hanging.
Result<std::string> ReadWithoutHanging(const std::string& path, size_t max_bytes) {
  return testing::WithoutHangingOn(path, [=] { return ReadRegularFile(path, max_bytes); });
}

TEST(ReadRegularFileTest, ReadsARegularFileWhole) {
  std::string dir = MakeTempDir("regular");
  std::string content(20000, 'x');
  content[0] = '\0';  // binary content is returned as it is
  WriteFile(dir + "/f", content);
  auto read = ReadRegularFile(dir + "/f", 20000);
  ASSERT_OK(read);
  EXPECT_EQ(*read, content);

  WriteFile(dir + "/empty", "");
  auto empty = ReadRegularFile(dir + "/empty", 10);
  ASSERT_OK(empty);
  EXPECT_EQ(*empty, "");
}

TEST(ReadRegularFileTest, FollowsSymlinksToRegularFiles) {
  // Kubernetes mounts secrets as symlinks (key -> ..data/key -> ..2024_01_01/key).
  std::string dir = MakeTempDir("symlink");
  std::filesystem::create_directories(dir + "/..2024");
  WriteFile(dir + "/..2024/key", "secret\n");
  std::filesystem::create_directory_symlink("..2024", dir + "/..data");
  std::filesystem::create_symlink("..data/key", dir + "/key");
  auto read = ReadRegularFile(dir + "/key", 100);
  ASSERT_OK(read);
  EXPECT_EQ(*read, "secret\n");
}

TEST(ReadRegularFileTest, MissingFilesAreNotFound) {
  std::string dir = MakeTempDir("missing");
  EXPECT_THAT(ReadRegularFile(dir + "/nope", 100),
              StatusIs(StatusCode::kNotFound, "No such file or directory"));
  std::filesystem::create_symlink(dir + "/nope", dir + "/dangling");
  EXPECT_THAT(ReadRegularFile(dir + "/dangling", 100),
              StatusIs(StatusCode::kNotFound, "No such file or directory"));
  WriteFile(dir + "/file", "x");
  EXPECT_THAT(ReadRegularFile(dir + "/file/below", 100),
              StatusIs(StatusCode::kNotFound, "Not a directory"));
}

TEST(ReadRegularFileTest, AFifoIsRefusedAtOnce) {
  std::string dir = MakeTempDir("fifo");
  std::string fifo = dir + "/fifo";
  testing::MakeFifo(fifo);
  EXPECT_THAT(
      ReadWithoutHanging(fifo, 100),
      StatusIs(StatusCode::kFailedPrecondition, "is a FIFO (named pipe), not a regular file"));
  // Through a symlink too.
  std::filesystem::create_symlink(fifo, dir + "/link");
  EXPECT_THAT(
      ReadWithoutHanging(dir + "/link", 100),
      StatusIs(StatusCode::kFailedPrecondition, "is a FIFO (named pipe), not a regular file"));
}

TEST(ReadRegularFileTest, DirectoriesDevicesAndSocketsAreRefused) {
  std::string dir = MakeTempDir("others");
  EXPECT_THAT(ReadRegularFile(dir, 100),
              StatusIs(StatusCode::kFailedPrecondition, "is a directory, not a regular file"));
  // /dev/zero never ends; /dev/null reads as empty: neither is a file someone wrote.
  for (const char* device : {"/dev/null", "/dev/zero"}) {
    if (std::filesystem::exists(device)) {
      EXPECT_THAT(
          ReadWithoutHanging(device, 100),
          StatusIs(StatusCode::kFailedPrecondition, "is a character device, not a regular file"))
          << device;
    }
  }
  std::string socket_path = dir + "/sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(socket_path.size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, socket_path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  EXPECT_THAT(ReadWithoutHanging(socket_path, 100),
              StatusIs(StatusCode::kFailedPrecondition, "is a socket, not a regular file"));
  ::close(fd);
}

TEST(ReadRegularFileTest, FilesOverTheLimitAreRefused) {
  std::string dir = MakeTempDir("large");
  WriteFile(dir + "/f", std::string(1024, 'x'));
  EXPECT_OK(ReadRegularFile(dir + "/f", 1024));
  EXPECT_THAT(ReadRegularFile(dir + "/f", 1023),
              StatusIs(StatusCode::kFailedPrecondition, "is larger than 1023 bytes"));
  WriteFile(dir + "/big", std::string(65537, 'x'));
  EXPECT_THAT(ReadRegularFile(dir + "/big", 64 << 10),
              StatusIs(StatusCode::kFailedPrecondition, "is larger than 64 KiB"));
}

TEST(ReadRegularFileTest, UnreadableFilesSayWhy) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root reads any file";
  }
  std::string dir = MakeTempDir("unreadable");
  WriteFile(dir + "/f", "x");
  std::filesystem::permissions(dir + "/f", std::filesystem::perms::none);
  EXPECT_THAT(ReadRegularFile(dir + "/f", 100),
              StatusIs(StatusCode::kFailedPrecondition, "Permission denied"));
}

TEST(FormatByteSizeTest, UsesTheLargestExactUnit) {
  EXPECT_EQ(FormatByteSize(16 << 20), "16 MiB");
  EXPECT_EQ(FormatByteSize(64 << 10), "64 KiB");
  EXPECT_EQ(FormatByteSize(1000), "1000 bytes");
  EXPECT_EQ(FormatByteSize(0), "0 bytes");
}

}  // namespace
}  // namespace statusbridge
