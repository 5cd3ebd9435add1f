// RefreshingProvider: botocore's advisory (15 min) and mandatory (10 min) refresh windows, on a
// FakeClock, with a scripted inner provider that can be held mid-fetch to test concurrent callers.

#include "aws/refreshing_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "fakes/fake_clock.h"
#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

using ::statusbridge::testing::FakeClock;
using ::statusbridge::testing::StatusIs;
using ::testing::HasSubstr;

// Hands out credentials "ID<n>" expiring `lifetime` after the clock's now, or scripted errors.
// hold() makes the next fetches wait inside GetCredentials() until release().
class ScriptedSource : public CredentialsProvider {
 public:
  ScriptedSource(FakeClock& clock, Seconds lifetime) : clock_(clock), lifetime_(lifetime) {}

  void FailNext(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    errors_.push_back(std::move(status));
  }
  void set_lifetime(std::optional<Seconds> lifetime) {
    std::lock_guard<std::mutex> lock(mu_);
    lifetime_ = lifetime;
  }
  void hold() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = true;
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
    cv_.notify_all();
  }
  // Waits until a fetch is inside GetCredentials() (and held).
  void WaitForFetch() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return in_flight_ > 0; });
  }
  int calls() const { return calls_; }
  int max_concurrent() const { return max_concurrent_; }

  // CredentialsProvider
  Result<Credentials> GetCredentials() override {
    std::unique_lock<std::mutex> lock(mu_);
    ++calls_;
    ++in_flight_;
    max_concurrent_ = std::max(max_concurrent_.load(), in_flight_);
    cv_.notify_all();
    cv_.wait(lock, [this] { return !held_; });
    --in_flight_;
    if (!errors_.empty()) {
      Status s = errors_.front();
      errors_.pop_front();
      return s;
    }
    Credentials c;
    c.access_key_id = "ID" + std::to_string(++serial_);
    c.secret_access_key = Secret("secret");
    c.session_token = Secret("token");
    if (lifetime_.has_value()) {
      c.expiration = clock_.Now() + *lifetime_;
    }
    c.source = "scripted";
    return c;
  }
  std::string Name() const override { return "scripted"; }

 private:
  FakeClock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Seconds> lifetime_;
  std::deque<Status> errors_;
  bool held_ = false;
  int in_flight_ = 0;
  int serial_ = 0;
  std::atomic<int> calls_{0};
  std::atomic<int> max_concurrent_{0};
};

class RefreshingProviderTest : public ::testing::Test {
 protected:
  RefreshingProviderTest() {
    auto source = std::make_unique<ScriptedSource>(clock_, Seconds(3600));
    source_ = source.get();
    provider_ = NewRefreshingProvider(std::move(source), clock_);
  }

  std::string Id() {
    Result<Credentials> c = provider_->GetCredentials();
    return c.ok() ? c->access_key_id : c.status().ToString();
  }

  FakeClock clock_;
  ScriptedSource* source_;
  std::unique_ptr<CredentialsProvider> provider_;
};

TEST_F(RefreshingProviderTest, CachesUntilTheAdvisoryWindow) {
  EXPECT_EQ(provider_->Name(), "scripted");
  EXPECT_EQ(Id(), "ID1");
  EXPECT_EQ(Id(), "ID1");
  clock_.Advance(Seconds(3600 - 15 * 60 - 1));  // 15 min + 1 s left
  EXPECT_EQ(Id(), "ID1");
  EXPECT_EQ(source_->calls(), 1);
  clock_.Advance(Seconds(2));  // inside the advisory window
  EXPECT_EQ(Id(), "ID2");
  EXPECT_EQ(source_->calls(), 2);
  // The temporary credentials keep their session token.
  EXPECT_EQ(provider_->GetCredentials()->session_token.reveal(), "token");
}

TEST_F(RefreshingProviderTest, AdvisoryRefreshErrorsAreIgnoredWhileStillValid) {
  EXPECT_EQ(Id(), "ID1");
  clock_.Advance(Seconds(3600 - 12 * 60));  // 12 min left
  source_->FailNext(Status::Unavailable("STS is down"));
  EXPECT_EQ(Id(), "ID1");  // error ignored, cached credentials returned
  EXPECT_EQ(source_->calls(), 2);
  EXPECT_EQ(Id(), "ID2");  // the next call tries again
  EXPECT_EQ(source_->calls(), 3);
}

TEST_F(RefreshingProviderTest, MandatoryRefreshErrorsPropagate) {
  EXPECT_EQ(Id(), "ID1");
  clock_.Advance(Seconds(3600 - 9 * 60));  // 9 min left
  source_->FailNext(Status::PermissionDenied("AssumeRole: AccessDenied"));
  EXPECT_THAT(provider_->GetCredentials(),
              StatusIs(StatusCode::kPermissionDenied, "AssumeRole: AccessDenied"));
  EXPECT_EQ(Id(), "ID2");
}

TEST_F(RefreshingProviderTest, FirstFetchErrorPropagatesAndIsRetriedNextCall) {
  source_->FailNext(Status::Unavailable("no network"));
  EXPECT_THAT(provider_->GetCredentials(), StatusIs(StatusCode::kUnavailable, "no network"));
  EXPECT_EQ(Id(), "ID1");
}

TEST_F(RefreshingProviderTest, FreshCredentialsThatAreAlreadyExpiredAreAnError) {
  source_->set_lifetime(Seconds(0));
  EXPECT_THAT(provider_->GetCredentials(),
              StatusIs(StatusCode::kPermissionDenied,
                       HasSubstr("credentials from scripted were refreshed but are already "
                                 "expired")));
}

TEST_F(RefreshingProviderTest, ShortLivedCredentialsAreUsedAndRefreshedEveryCall) {
  source_->set_lifetime(Seconds(5 * 60));  // inside the mandatory window from the start
  EXPECT_EQ(Id(), "ID1");
  EXPECT_EQ(Id(), "ID2");
}

TEST_F(RefreshingProviderTest, CredentialsWithoutExpirationAreKeptForever) {
  source_->set_lifetime(std::nullopt);
  EXPECT_EQ(Id(), "ID1");
  clock_.Advance(Seconds(365 * 24 * 3600));
  EXPECT_EQ(Id(), "ID1");
  EXPECT_EQ(source_->calls(), 1);
}

TEST_F(RefreshingProviderTest, ConcurrentFirstCallsShareOneFetch) {
  source_->hold();
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<std::string> ids(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { ids[i] = Id(); });
  }
  source_->WaitForFetch();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the others queue up
  source_->release();
  for (auto& t : threads) {
    t.join();
  }
  for (const std::string& id : ids) {
    EXPECT_EQ(id, "ID1");
  }
  EXPECT_EQ(source_->calls(), 1);
  EXPECT_EQ(source_->max_concurrent(), 1);
}

TEST_F(RefreshingProviderTest, AdvisoryRefreshDoesNotBlockOtherCallers) {
  EXPECT_EQ(Id(), "ID1");
  clock_.Advance(Seconds(3600 - 12 * 60));
  source_->hold();
  std::string refresher_id;
  std::thread refresher([&] { refresher_id = Id(); });
  source_->WaitForFetch();
  // While the refresh is held, every other caller gets the cached credentials at once.
  for (int i = 0; i < 4; ++i) {
    std::string id;
    std::thread other([&] { id = Id(); });
    other.join();
    EXPECT_EQ(id, "ID1");
  }
  source_->release();
  refresher.join();
  EXPECT_EQ(refresher_id, "ID2");
  EXPECT_EQ(Id(), "ID2");
  EXPECT_EQ(source_->calls(), 2);
}

TEST_F(RefreshingProviderTest, MandatoryRefreshBlocksOtherCallersUntilDone) {
  EXPECT_EQ(Id(), "ID1");
  clock_.Advance(Seconds(3600 - 5 * 60));
  source_->hold();
  constexpr int kThreads = 6;
  std::vector<std::thread> threads;
  std::vector<std::string> ids(kThreads);
  std::atomic<int> finished{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ids[i] = Id();
      ++finished;
    });
  }
  source_->WaitForFetch();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(finished, 0) << "callers must wait for the mandatory refresh";
  source_->release();
  for (auto& t : threads) {
    t.join();
  }
  for (const std::string& id : ids) {
    EXPECT_EQ(id, "ID2");
  }
  EXPECT_EQ(source_->calls(), 2);
  EXPECT_EQ(source_->max_concurrent(), 1);
}

TEST_F(RefreshingProviderTest, ManyThreadsWhileTimePassesNeverSeeExpiredCredentials) {
  source_->set_lifetime(Seconds(3600));
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<int> served{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      while (!stop) {
        const SystemTime before = clock_.Now();
        Result<Credentials> c = provider_->GetCredentials();
        // Whatever is handed out had more than the mandatory 10 min left when asked for.
        if (!c.ok() || *c->expiration - before <= Seconds(10 * 60)) {
          ++bad;
        }
        ++served;
      }
    });
  }
  for (int minute = 0; minute < 300; ++minute) {
    clock_.Advance(Seconds(60));
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  stop = true;
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(bad, 0);
  EXPECT_GT(served, 100);
  EXPECT_EQ(source_->max_concurrent(), 1);
  // 300 minutes with 1-hour credentials renewed at 15 min left: about every 45 minutes.
  EXPECT_GE(source_->calls(), 5);
  EXPECT_LE(source_->calls(), 12);
}

}  // namespace
}  // namespace statusbridge::aws
