#include "aws/credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "fifo_guard.h"
#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

namespace fs = std::filesystem;
using ::statusbridge::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// Distinctive values, so a leak into a message is unmistakable.
constexpr const char* kId = "AKIATESTKEYID0000001";
constexpr const char* kSecret = "s3cr3t/VALUE+never-in-messages";
constexpr const char* kToken = "T0KEN-VALUE-never-in-messages";

// Every message must be free of key material.
::testing::Matcher<const std::string&> NoSecrets() {
  return AllOf(Not(HasSubstr(kSecret)), Not(HasSubstr(kToken)), Not(HasSubstr(kId)));
}

// --- Environment ---

TEST(CredentialsEnvironmentTest, ReadsKeysAndSessionToken) {
  auto provider = NewEnvironmentProvider(MapEnv({{"AWS_ACCESS_KEY_ID", kId},
                                                 {"AWS_SECRET_ACCESS_KEY", kSecret},
                                                 {"AWS_SESSION_TOKEN", kToken}}));
  Result<Credentials> c = provider->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, kId);
  EXPECT_EQ(c->secret_access_key.reveal(), kSecret);
  EXPECT_EQ(c->session_token.reveal(), kToken);
  EXPECT_EQ(c->source, "environment");
  EXPECT_EQ(provider->Name(), "environment");
}

TEST(CredentialsEnvironmentTest, LongTermKeysHaveNoToken) {
  Result<Credentials> c = NewEnvironmentProvider(MapEnv({{"AWS_ACCESS_KEY_ID", kId},
                                                         {"AWS_SECRET_ACCESS_KEY", kSecret}}))
                              ->GetCredentials();
  ASSERT_OK(c);
  EXPECT_TRUE(c->session_token.empty());
}

TEST(CredentialsEnvironmentTest, FallsBackToSecurityTokenButPrefersSessionToken) {
  std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", kId},
                                            {"AWS_SECRET_ACCESS_KEY", kSecret},
                                            {"AWS_SECURITY_TOKEN", "old-name"}};
  Result<Credentials> c = NewEnvironmentProvider(MapEnv(env))->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->session_token.reveal(), "old-name");

  env["AWS_SESSION_TOKEN"] = "new-name";
  c = NewEnvironmentProvider(MapEnv(env))->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->session_token.reveal(), "new-name");
}

TEST(CredentialsEnvironmentTest, NoKeysIsNotFound) {
  EXPECT_THAT(NewEnvironmentProvider(MapEnv({}))->GetCredentials(),
              StatusIs(StatusCode::kNotFound, HasSubstr("AWS_ACCESS_KEY_ID is not set")));
  // Empty values count as unset.
  EXPECT_THAT(
      NewEnvironmentProvider(MapEnv({{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}}))
          ->GetCredentials(),
      StatusIs(StatusCode::kNotFound, HasSubstr("AWS_ACCESS_KEY_ID")));
}

TEST(CredentialsEnvironmentTest, HalfAKeyPairIsAnErrorNamingTheMissingVariable) {
  EXPECT_THAT(
      NewEnvironmentProvider(MapEnv({{"AWS_ACCESS_KEY_ID", kId}, {"AWS_SESSION_TOKEN", kToken}}))
          ->GetCredentials(),
      StatusIs(StatusCode::kInvalidArgument,
               AllOf(HasSubstr("AWS_SECRET_ACCESS_KEY is not"), NoSecrets())));
  EXPECT_THAT(NewEnvironmentProvider(
                  MapEnv({{"AWS_SECRET_ACCESS_KEY", kSecret}, {"AWS_SESSION_TOKEN", kToken}}))
                  ->GetCredentials(),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("AWS_ACCESS_KEY_ID is not"), NoSecrets())));
}

// --- Shared files ---

// Each test gets its own directory under the gtest temp dir; nothing touches the real HOME.
class CredentialsProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("sb_credentials_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  // An environment pointing both files into dir_ ("credentials", "config"), plus `extra`.
  EnvLookup Env(std::map<std::string, std::string> extra = {}) const {
    extra.try_emplace("AWS_SHARED_CREDENTIALS_FILE", (dir_ / "credentials").string());
    extra.try_emplace("AWS_CONFIG_FILE", (dir_ / "config").string());
    return MapEnv(std::move(extra));
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // Name and content of every file under dir_, to show providers only read.
  std::map<std::string, std::string> Snapshot() const {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream s;
      if (e.is_regular_file()) {
        s << in.rdbuf();
      }
      files[e.path().string()] = s.str();
    }
    return files;
  }

  fs::path dir_;
};

std::string Keys(const std::string& id, const std::string& secret, const std::string& token = "") {
  std::string text = "aws_access_key_id = " + id + "\naws_secret_access_key = " + secret + "\n";
  if (!token.empty()) {
    text += "aws_session_token = " + token + "\n";
  }
  return text;
}

TEST_F(CredentialsProfileTest, ReadsDefaultProfileFromCredentialsFile) {
  Write("credentials",
        "[other]\n" + Keys("OTHERID", "othersecret") + "[default]\n" + Keys(kId, kSecret, kToken));
  auto provider = NewProfileProvider(Env(), "");
  EXPECT_EQ(provider->Name(), "profile \"default\"");
  Result<Credentials> c = provider->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, kId);
  EXPECT_EQ(c->secret_access_key.reveal(), kSecret);
  EXPECT_EQ(c->session_token.reveal(), kToken);
  EXPECT_EQ(c->source, "profile \"default\" in " + Path("credentials"));
}

TEST_F(CredentialsProfileTest, ProfileArgumentBeatsAwsProfile) {
  Write("credentials", "[a]\n" + Keys("IDA", "secreta") + "[b]\n" + Keys("IDB", "secretb") +
                           "[default]\n" + Keys("IDD", "secretd"));
  Result<Credentials> c = NewProfileProvider(Env({{"AWS_PROFILE", "b"}}), "a")->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "IDA");

  auto from_env = NewProfileProvider(Env({{"AWS_PROFILE", "b"}}), "");
  EXPECT_EQ(from_env->Name(), "profile \"b\"");
  c = from_env->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "IDB");
}

TEST_F(CredentialsProfileTest, DefaultsToFilesUnderHome) {
  Write("home/.aws/credentials", "[default]\n" + Keys("HOMEID", "homesecret"));
  Result<Credentials> c =
      NewProfileProvider(MapEnv({{"HOME", Path("home")}}), "")->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "HOMEID");
  EXPECT_EQ(c->source, "profile \"default\" in " + Path("home") + "/.aws/credentials");

  Write("home/.aws/config", "[profile cfg]\n" + Keys("CFGID", "cfgsecret"));
  c = NewProfileProvider(MapEnv({{"HOME", Path("home")}}), "cfg")->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "CFGID");
}

// A FIFO would block the read forever; a directory or an endless file is a mistake. Each is a
// clear error naming the file, at once.
TEST_F(CredentialsProfileTest, SharedFilesThatAreNotRegularFilesAreClearErrors) {
  const std::string fifo = Path("credentials");
  testing::MakeFifo(fifo);
  auto provider = NewProfileProvider(Env(), "");
  EXPECT_THAT(
      testing::WithoutHangingOn(fifo, [&] { return provider->GetCredentials(); }),
      StatusIs(StatusCode::kFailedPrecondition,
               HasSubstr("cannot read " + fifo + ": is a FIFO (named pipe), not a regular file")));
  fs::remove(fifo);

  fs::create_directories(Path("config"));
  EXPECT_THAT(
      NewProfileProvider(Env(), "")->GetCredentials(),
      StatusIs(StatusCode::kFailedPrecondition, HasSubstr("cannot read " + Path("config") +
                                                          ": is a directory, not a regular file")));
  fs::remove(Path("config"));

  Write("credentials", "[default]\n" + Keys(kId, kSecret) + "# " + std::string(4 << 20, 'x'));
  EXPECT_THAT(
      NewProfileProvider(Env(), "")->GetCredentials(),
      StatusIs(StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("cannot read " + Path("credentials") + ": is larger than 4 MiB"),
                     Not(HasSubstr(kSecret)))));
}

TEST_F(CredentialsProfileTest, ExpandsTildeInFileVariables) {
  Write("home/creds", "[default]\n" + Keys("TILDEID", "tildesecret"));
  Result<Credentials> c =
      NewProfileProvider(
          MapEnv({{"HOME", Path("home")}, {"AWS_SHARED_CREDENTIALS_FILE", "~/creds"}}), "")
          ->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "TILDEID");
}

TEST_F(CredentialsProfileTest, WithoutHomeOrVariablesIsNotFound) {
  EXPECT_THAT(NewProfileProvider(MapEnv({}), "")->GetCredentials(),
              StatusIs(StatusCode::kNotFound, HasSubstr("HOME is not set")));
}

TEST_F(CredentialsProfileTest, ReadsConfigFileProfileSections) {
  Write("config", "[default]\n" + Keys("DEFID", "defsecret") + "[prod]\n" + Keys("WRONG", "wrong") +
                      "[profile prod]\nregion = eu-west-1\n" +
                      Keys("PRODID", "prodsecret", "prodtoken"));
  Result<Credentials> c = NewProfileProvider(Env(), "prod")->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "PRODID");
  EXPECT_EQ(c->session_token.reveal(), "prodtoken");
  EXPECT_EQ(c->source, "profile \"prod\" in " + Path("config"));

  c = NewProfileProvider(Env(), "default")->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "DEFID");
}

TEST_F(CredentialsProfileTest, ConfigProfileDefaultBeatsPlainDefault) {
  Write("config", "[profile default]\n" + Keys("PREFIXED", "prefixedsecret") + "[default]\n" +
                      Keys("PLAIN", "plainsecret"));
  Result<Credentials> c = NewProfileProvider(Env(), "")->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "PREFIXED");
}

TEST_F(CredentialsProfileTest, ConfigFileSectionNeedsTheProfilePrefix) {
  Write("config", "[prod]\n" + Keys("WRONG", "wrongsecret"));
  EXPECT_THAT(NewProfileProvider(Env(), "prod")->GetCredentials(),
              StatusIs(StatusCode::kNotFound, HasSubstr("profile \"prod\" is not in")));
}

TEST_F(CredentialsProfileTest, CredentialsFileWinsWithoutMixingKeys) {
  Write("credentials", "[prod]\n" + Keys("CREDID", "credsecret"));
  Write("config", "[profile prod]\n" + Keys("CFGID", "cfgsecret", "cfgtoken"));
  Result<Credentials> c = NewProfileProvider(Env(), "prod")->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "CREDID");
  EXPECT_EQ(c->secret_access_key.reveal(), "credsecret");
  EXPECT_TRUE(c->session_token.empty()) << "the config file's token must not be mixed in";
  EXPECT_EQ(c->source, "profile \"prod\" in " + Path("credentials"));
}

TEST_F(CredentialsProfileTest, FallsBackToConfigWhenCredentialsSectionHasNoKeys) {
  Write("credentials", "[prod]\nregion = us-east-1\n");
  Write("config", "[profile prod]\n" + Keys("CFGID", "cfgsecret"));
  Result<Credentials> c = NewProfileProvider(Env(), "prod")->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "CFGID");
}

TEST_F(CredentialsProfileTest, HalfAKeyPairIsAnErrorWithoutSecrets) {
  Write("credentials", "[a]\naws_access_key_id = " + std::string(kId) + "\naws_session_token = " +
                           kToken + "\n[b]\naws_secret_access_key = " + kSecret + "\n");
  EXPECT_THAT(
      NewProfileProvider(Env(), "a")->GetCredentials(),
      StatusIs(StatusCode::kInvalidArgument, AllOf(HasSubstr("no aws_secret_access_key"),
                                                   HasSubstr(Path("credentials")), NoSecrets())));
  EXPECT_THAT(NewProfileProvider(Env(), "b")->GetCredentials(),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("no aws_access_key_id"), NoSecrets())));
}

TEST_F(CredentialsProfileTest, MissingProfileOrFilesIsNotFound) {
  EXPECT_THAT(
      NewProfileProvider(Env(), "")->GetCredentials(),
      StatusIs(StatusCode::kNotFound, AllOf(HasSubstr("neither"), HasSubstr(Path("credentials")),
                                            HasSubstr(Path("config")))));

  Write("credentials", "[other]\n" + Keys(kId, kSecret));
  EXPECT_THAT(NewProfileProvider(Env(), "prod")->GetCredentials(),
              StatusIs(StatusCode::kNotFound,
                       AllOf(HasSubstr("profile \"prod\" is not in " + Path("credentials")),
                             HasSubstr(Path("config") + " (does not exist)"), NoSecrets())));

  Write("config", "[profile prod]\nregion = us-east-1\n");
  EXPECT_THAT(NewProfileProvider(Env(), "prod")->GetCredentials(),
              StatusIs(StatusCode::kNotFound, HasSubstr("has no aws_access_key_id")));
}

TEST_F(CredentialsProfileTest, MalformedFileNamesPathAndLineButNotTheLine) {
  Write("credentials", "[default]\naws_access_key_id = X\n" + std::string(kSecret) + "\n");
  EXPECT_THAT(NewProfileProvider(Env(), "")->GetCredentials(),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(Path("credentials")), HasSubstr("line 3"), NoSecrets())));
}

TEST_F(CredentialsProfileTest, UnreadableFileIsAnError) {
  fs::create_directories(dir_ / "credentials");  // a directory where the file should be
  EXPECT_THAT(NewProfileProvider(Env(), "")->GetCredentials(),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr(Path("credentials"))));
}

TEST_F(CredentialsProfileTest, OnlyReadsAndRereadsOnEveryCall) {
  Write("credentials", "[default]\n" + Keys("FIRST", "firstsecret"));
  Write("config", "[default]\nregion = us-east-1\n");
  auto provider = NewProfileProvider(Env(), "");
  const auto before = Snapshot();
  Result<Credentials> c = provider->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "FIRST");
  EXPECT_EQ(Snapshot(), before);

  Write("credentials", "[default]\n" + Keys("SECOND", "secondsecret"));
  c = provider->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "SECOND");
}

// --- Chain ---

// Returns a scripted result and counts calls.
class ScriptedProvider : public CredentialsProvider {
 public:
  ScriptedProvider(std::string name, Result<Credentials> result, int* calls)
      : name_(std::move(name)), result_(std::move(result)), calls_(calls) {}

  // CredentialsProvider
  Result<Credentials> GetCredentials() override {
    ++*calls_;
    return result_;
  }
  std::string Name() const override { return name_; }

 private:
  std::string name_;
  Result<Credentials> result_;
  int* calls_;
};

Credentials MakeCredentials(const std::string& id) {
  Credentials c;
  c.access_key_id = id;
  c.secret_access_key = Secret(kSecret);
  c.source = "scripted " + id;
  return c;
}

TEST(CredentialsChainTest, FirstSuccessWinsAndNotFoundMovesOn) {
  int calls[3] = {0, 0, 0};
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(
      std::make_unique<ScriptedProvider>("one", Status::NotFound("nothing here"), &calls[0]));
  providers.push_back(std::make_unique<ScriptedProvider>("two", MakeCredentials("TWO"), &calls[1]));
  providers.push_back(
      std::make_unique<ScriptedProvider>("three", MakeCredentials("THREE"), &calls[2]));
  auto chain = NewChainProvider(std::move(providers));
  Result<Credentials> c = chain->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "TWO");
  EXPECT_EQ(c->source, "scripted TWO");
  EXPECT_EQ(calls[0], 1);
  EXPECT_EQ(calls[1], 1);
  EXPECT_EQ(calls[2], 0);
  EXPECT_EQ(chain->Name(), "chain");
}

TEST(CredentialsChainTest, OtherErrorsStopTheChainWithTheProviderName) {
  int calls[3] = {0, 0, 0};
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(std::make_unique<ScriptedProvider>("one", Status::NotFound("no"), &calls[0]));
  providers.push_back(std::make_unique<ScriptedProvider>(
      "two", Status::FailedPrecondition("cannot read /x"), &calls[1]));
  providers.push_back(std::make_unique<ScriptedProvider>("three", MakeCredentials("3"), &calls[2]));
  EXPECT_THAT(NewChainProvider(std::move(providers))->GetCredentials(),
              StatusIs(StatusCode::kFailedPrecondition, "two: cannot read /x"));
  EXPECT_EQ(calls[2], 0);
}

TEST(CredentialsChainTest, NothingFoundListsEveryProviderAndWhy) {
  int calls[2] = {0, 0};
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(
      std::make_unique<ScriptedProvider>("one", Status::NotFound("reason one"), &calls[0]));
  providers.push_back(
      std::make_unique<ScriptedProvider>("two", Status::NotFound("reason two"), &calls[1]));
  EXPECT_THAT(NewChainProvider(std::move(providers))->GetCredentials(),
              StatusIs(StatusCode::kNotFound,
                       "no AWS credentials found: one: reason one; two: reason two"));
}

TEST(CredentialsChainTest, EmptyChainIsNotFound) {
  EXPECT_THAT(NewChainProvider({})->GetCredentials(),
              StatusIs(StatusCode::kNotFound, HasSubstr("no AWS credentials found")));
}

TEST_F(CredentialsProfileTest, RealChainReportsEnvironmentAndProfile) {
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(NewEnvironmentProvider(Env({{"AWS_SESSION_TOKEN", kToken}})));
  providers.push_back(NewProfileProvider(Env(), "prod"));
  EXPECT_THAT(
      NewChainProvider(std::move(providers))->GetCredentials(),
      StatusIs(StatusCode::kNotFound, AllOf(HasSubstr("environment: AWS_ACCESS_KEY_ID is not set"),
                                            HasSubstr("profile \"prod\": neither"), NoSecrets())));

  // A half-configured environment stops the chain, naming the provider but no secret.
  std::vector<std::unique_ptr<CredentialsProvider>> broken;
  broken.push_back(NewEnvironmentProvider(Env({{"AWS_SECRET_ACCESS_KEY", kSecret}})));
  broken.push_back(NewProfileProvider(Env(), "prod"));
  EXPECT_THAT(NewChainProvider(std::move(broken))->GetCredentials(),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("environment: AWS_SECRET_ACCESS_KEY is set"), NoSecrets())));

  // Environment first: it wins over a valid profile.
  Write("credentials", "[prod]\n" + Keys("PROFILEID", "profilesecret"));
  std::vector<std::unique_ptr<CredentialsProvider>> both;
  both.push_back(NewEnvironmentProvider(
      Env({{"AWS_ACCESS_KEY_ID", kId}, {"AWS_SECRET_ACCESS_KEY", kSecret}})));
  both.push_back(NewProfileProvider(Env(), "prod"));
  Result<Credentials> c = NewChainProvider(std::move(both))->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->source, "environment");
}

// --- Static ---

TEST(CredentialsStaticTest, ReturnsItsCredentialsEveryTime) {
  auto provider = NewStaticProvider(MakeCredentials("STATIC"));
  for (int i = 0; i < 2; ++i) {
    Result<Credentials> c = provider->GetCredentials();
    ASSERT_OK(c);
    EXPECT_EQ(c->access_key_id, "STATIC");
    EXPECT_EQ(c->secret_access_key.reveal(), kSecret);
    EXPECT_EQ(c->source, "scripted STATIC");
  }
  EXPECT_EQ(provider->Name(), "static");

  Credentials unnamed = MakeCredentials("X");
  unnamed.source.clear();
  Result<Credentials> c = NewStaticProvider(unnamed)->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->source, "static");
}

// --- ParseIni ---

TEST(IniParseTest, ParsesSectionsKeysAndComments) {
  Result<IniSections> ini = ParseIni(
      "\xEF\xBB\xBF# leading comment\r\n"
      "[default]\r\n"
      "Aws_Access_Key_Id=AKID\r\n"
      "  ; indented comment\n"
      "\n"
      "[ profile prod ]   # trailing comment\n"
      "role_arn = arn:aws:iam::123456789012:role/x\n"
      "region: eu-west-1\n"
      "empty =\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "  addressing_style = path\n"
      "output = json\n"
      "[default]\n"
      "x = a=b\n");
  ASSERT_OK(ini);
  ASSERT_EQ(ini->size(), 3u);
  EXPECT_EQ((*ini)[0].first, "default");
  EXPECT_EQ((*ini)[0].second,
            (std::vector<std::pair<std::string, std::string>>{{"aws_access_key_id", "AKID"}}));
  EXPECT_EQ((*ini)[1].first, "profile prod");
  EXPECT_EQ((*ini)[1].second, (std::vector<std::pair<std::string, std::string>>{
                                  {"role_arn", "arn:aws:iam::123456789012:role/x"},
                                  {"region", "eu-west-1"},
                                  {"empty", ""},
                                  {"s3", "\nmax_concurrent_requests = 20\naddressing_style = path"},
                                  {"output", "json"}}));
  EXPECT_EQ((*ini)[2].first, "default");
  EXPECT_EQ((*ini)[2].second, (std::vector<std::pair<std::string, std::string>>{{"x", "a=b"}}));
}

TEST(IniParseTest, EmptyTextHasNoSections) {
  Result<IniSections> ini = ParseIni("");
  ASSERT_OK(ini);
  EXPECT_TRUE(ini->empty());
}

TEST(IniParseTest, ErrorsNameTheLineButNeverQuoteIt) {
  struct Case {
    std::string text;
    std::string message;
  } cases[] = {
      {"[default\n", "line 1: section header without ']'"},
      {"[]\n", "line 1: empty section name"},
      {"[a] junk\n", "line 1: unexpected text after the section header"},
      {"key = value\n", "line 1: key outside any [section]"},
      {"[a]\n\n" + std::string(kSecret) + "\n",
       "line 3: expected \"key = value\" or \"[section]\""},
      {"[a]\n = " + std::string(kSecret) + "\n", "line 2: missing key before '='"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseIni(c.text), StatusIs(StatusCode::kInvalidArgument, c.message)) << c.text;
  }
}

}  // namespace
}  // namespace statusbridge::aws
