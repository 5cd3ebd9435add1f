// credential_process: the shlex-style splitter, and real helper scripts run from a temp dir.

#include "aws/credential_process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fakes/fake_clock.h"
#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

namespace fs = std::filesystem;
using ::statusbridge::testing::FakeClock;
using ::statusbridge::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSecret = "proc/SECRET+never-in-messages";
constexpr const char* kToken = "proc-TOKEN-never-in-messages";

::testing::Matcher<const std::string&> NoSecrets() {
  return AllOf(Not(HasSubstr(kSecret)), Not(HasSubstr(kToken)), Not(HasSubstr("--password")));
}

// --- SplitCommandLine ---

TEST(SplitCommandLineTest, SplitsLikeAPosixShell) {
  struct Case {
    std::string line;
    std::vector<std::string> words;
  };
  const Case cases[] = {
      {"helper", {"helper"}},
      {"  a   b\tc  ", {"a", "b", "c"}},
      {"/opt/my tool", {"/opt/my", "tool"}},
      {"'/opt/my tool' --x", {"/opt/my tool", "--x"}},
      {"\"/opt/my tool\" --x", {"/opt/my tool", "--x"}},
      {"a\\ b c", {"a b", "c"}},
      {"'it''s'", {"its"}},
      {"\"say \\\"hi\\\"\"", {"say \"hi\""}},
      {"\"back\\\\slash\"", {"back\\slash"}},
      {"\"keep \\n and \\$\"", {"keep \\n and \\$"}},
      {"'no \\escape in single'", {"no \\escape in single"}},
      {"pre'mid dle'post", {"premid dlepost"}},
      {"''", {""}},
      {"a '' b", {"a", "", "b"}},
      {"$HOME *.txt | x > y", {"$HOME", "*.txt", "|", "x", ">", "y"}},
      {"a # not a comment", {"a", "#", "not", "a", "comment"}},
      {"", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    Result<std::vector<std::string>> words = SplitCommandLine(c.line);
    ASSERT_OK(words);
    EXPECT_EQ(*words, c.words);
  }
}

TEST(SplitCommandLineTest, UnbalancedQuotesAreErrors) {
  EXPECT_THAT(SplitCommandLine("a 'b"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("'")));
  EXPECT_THAT(SplitCommandLine("a \"b"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("\"")));
  EXPECT_THAT(SplitCommandLine("a \\"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("escape")));
}

// --- Running helpers ---

class CredentialProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("sb_process_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes an executable /bin/sh script and returns its path.
  std::string Script(const std::string& name, const std::string& body) {
    fs::path path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    ::chmod(path.c_str(), 0755);
    return path.string();
  }

  // A script printing `json` to stdout.
  std::string Printing(const std::string& json) {
    return Script("print.sh", "cat <<'EOF'\n" + json + "\nEOF\n");
  }

  Result<Credentials> Run(const std::string& command, Millis timeout = Millis(10000)) {
    return RunCredentialProcess(command, "profile \"ci\"", clock_.Now(), ProcessOptions{timeout});
  }

  std::string Future() const { return FormatIso8601(clock_.Now() + Seconds(3600)); }

  fs::path dir_;
  FakeClock clock_;
};

TEST_F(CredentialProcessTest, ReadsVersion1Credentials) {
  std::string script = Printing(R"({"Version": 1, "AccessKeyId": "AKIDPROC",
    "SecretAccessKey": ")" + std::string(kSecret) +
                                R"(", "SessionToken": ")" + kToken + R"(", "Expiration": ")" +
                                Future() + R"("})");
  Result<Credentials> c = Run(script);
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "AKIDPROC");
  EXPECT_EQ(c->secret_access_key.reveal(), kSecret);
  EXPECT_EQ(c->session_token.reveal(), kToken);
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(*c->expiration, clock_.Now() + Seconds(3600));
  EXPECT_EQ(c->source, "credential_process of profile \"ci\"");
}

TEST_F(CredentialProcessTest, LongTermKeysWithoutTokenOrExpiration) {
  Result<Credentials> c = Run(
      Printing(R"({"Version": 1, "AccessKeyId": "AKIDLONG", "SecretAccessKey": "long-secret"})"));
  ASSERT_OK(c);
  EXPECT_TRUE(c->session_token.empty());
  EXPECT_FALSE(c->expiration.has_value());
}

TEST_F(CredentialProcessTest, ArgumentsArePassedWithoutAShell) {
  // The helper prints its arguments as the access key id: quoting reached it intact and no
  // shell expanded $HOME or the glob.
  std::string script = Script(
      "args.sh",
      R"(printf '{"Version":1,"AccessKeyId":"%s|%s|%s","SecretAccessKey":"s"}' "$1" "$2" "$3")");
  fs::rename(script, dir_ / "with space.sh");
  Result<Credentials> c = Run("'" + (dir_ / "with space.sh").string() + "' \"a b\" '$HOME' *");
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "a b|$HOME|*");
}

TEST_F(CredentialProcessTest, BadJsonIsInvalidArgumentWithoutQuotingOutput) {
  EXPECT_THAT(Run(Printing(std::string("{\"Version\": 1, \"SecretAccessKey\": \"") + kSecret)),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("not JSON"), HasSubstr("profile \"ci\""), NoSecrets())));
  EXPECT_THAT(Run(Printing(std::string("[\"") + kSecret + "\"]")),
              StatusIs(StatusCode::kInvalidArgument, AllOf(HasSubstr("object"), NoSecrets())));
  EXPECT_THAT(
      Run(Printing(std::string(R"({"Version": 1, "SecretAccessKey": ")") + kSecret + "\"}")),
      StatusIs(StatusCode::kInvalidArgument, AllOf(HasSubstr("\"AccessKeyId\""), NoSecrets())));
  EXPECT_THAT(Run(Printing(R"({"Version": 1, "AccessKeyId": "A"})")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("\"SecretAccessKey\"")));
  EXPECT_THAT(
      Run(Printing(
          R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "soon"})")),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("ISO 8601")));
}

TEST_F(CredentialProcessTest, WrongVersionIsRejected) {
  for (const std::string v : {"2", "\"1\"", "null"}) {
    SCOPED_TRACE(v);
    EXPECT_THAT(
        Run(Printing(R"({"Version": )" + v + R"(, "AccessKeyId": "A", "SecretAccessKey": "s"})")),
        StatusIs(StatusCode::kInvalidArgument, HasSubstr("\"Version\" must be 1")));
  }
  EXPECT_THAT(Run(Printing(R"({"AccessKeyId": "A", "SecretAccessKey": "s"})")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("missing")));
}

TEST_F(CredentialProcessTest, ExpiredCredentialsAreRejected) {
  std::string past = FormatIso8601(clock_.Now() - Seconds(1));
  EXPECT_THAT(
      Run(Printing(R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": ")" +
                   std::string(kSecret) + R"(", "Expiration": ")" + past + R"("})")),
      StatusIs(StatusCode::kPermissionDenied, AllOf(HasSubstr("expired at " + past), NoSecrets())));
}

TEST_F(CredentialProcessTest, NonZeroExitNamesStatusButNotStderrOrArguments) {
  std::string script = Script("fail.sh", std::string("echo 'leaked ") + kSecret +
                                             "' >&2\necho '{\"Version\":1}'\nexit 3\n");
  EXPECT_THAT(Run(script + " --password hunter2"),
              StatusIs(StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("exited with status 3"), HasSubstr("fail.sh"),
                             Not(HasSubstr("hunter2")), NoSecrets())));
}

TEST_F(CredentialProcessTest, KilledBySignal) {
  EXPECT_THAT(Run(Script("kill.sh", "kill -9 $$\n")),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("signal 9")));
}

TEST_F(CredentialProcessTest, MissingProgramIsFailedPrecondition) {
  EXPECT_THAT(Run((dir_ / "does-not-exist").string() + " arg"),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("cannot run")));
  EXPECT_THAT(Run("   "), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(Run("'unterminated"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("profile \"ci\"")));
}

TEST_F(CredentialProcessTest, RuntimeIsBoundedAndTheGroupIsKilled) {
  // The script's child (sleep) keeps stdout open; both must go when the time is up.
  std::string script = Script("hang.sh", "sleep 30\n");
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(Run(script, Millis(300)),
              StatusIs(StatusCode::kDeadlineExceeded, HasSubstr("within 300ms")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

  // Closing stdout early does not escape the limit either.
  script = Script("close.sh", "exec >/dev/null\nsleep 30\n");
  start = std::chrono::steady_clock::now();
  EXPECT_THAT(Run(script, Millis(300)),
              StatusIs(StatusCode::kDeadlineExceeded, HasSubstr("killed")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(CredentialProcessTest, ProviderRunsOnEveryCall) {
  std::string counter = (dir_ / "count").string();
  std::string script = Script("count.sh", "echo x >> '" + counter + "'\nn=$(wc -l < '" + counter +
                                              "')\nprintf '{\"Version\":1,\"AccessKeyId\":\"ID%s\","
                                              "\"SecretAccessKey\":\"s\"}' $n\n");
  auto provider = NewProcessProvider(script, "profile \"ci\"", clock_);
  EXPECT_EQ(provider->Name(), "credential_process of profile \"ci\"");
  Result<Credentials> a = provider->GetCredentials();
  Result<Credentials> b = provider->GetCredentials();
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ(a->access_key_id, "ID1");
  EXPECT_EQ(b->access_key_id, "ID2");
}

}  // namespace
}  // namespace statusbridge::aws
