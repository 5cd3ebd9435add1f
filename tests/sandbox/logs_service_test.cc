// LogsService on its own, under a FakeClock: StartQuery answers before the scan has run, the scan
// runs on the service's own threads, and every way a scan ends (it finishes, StopQuery, a throw,
// Clear(), the destructor) ends it promptly and gives its concurrency slot back. A LogsSource fake
// holds a scan until the test lets it go on, or throws.
//
// Real-time bounds here are wide (ASan on a loaded 2-core machine): what they tell apart is "at
// once" (milliseconds) from "only after the held scan's cap" (kHoldCap).

#include "logs_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "fakes/fake_clock.h"
#include "logs_data.h"
#include "request_log.h"

namespace statusbridge::sandbox {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kGroup = "/test/held";
constexpr int64_t kNow = 1700000000 - 1700000000 % 60;
// How long the fake holds a scan that is neither released nor stopped: a service that waited for
// its scans in StartQuery, or did not stop them, would take this long.
constexpr Millis kHoldCap{90000};
// Bounds for what should happen at once.
constexpr Millis kPrompt{30000};

// Holds each scan (after visiting one event; WaitStarted() counts it then) until Release() or the
// scan's stop flag, or throws from it; then, with a LogsData, scans it for real.
class HeldSource : public LogsSource {
 public:
  explicit HeldSource(const LogsData* data = nullptr) : data_(data) {}

  void ThrowFromScans() {
    std::lock_guard<std::mutex> lock(mu_);
    throw_ = true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }
  // Waits until `n` scans have started (ended).
  bool WaitStarted(int n) {
    return WaitFor([&] { return started_ >= n; });
  }
  bool WaitEnded(int n) {
    return WaitFor([&] { return ended_ >= n; });
  }
  int stopped_scans() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_;
  }
  int ended_scans() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ended_;
  }

  // LogsSource
  bool HasGroup(const std::string& group) const override {
    return group == kGroup || (data_ != nullptr && data_->HasGroup(group));
  }
  uint64_t PutMark() const override { return data_ != nullptr ? data_->PutMark() : 0; }
  void Scan(const LogsScan& scan,
            const std::function<void(const LogEvent&, size_t)>& visit) const override {
    std::unique_lock<std::mutex> lock(mu_);
    if (throw_) {
      ++started_;
      ++ended_;
      cv_.notify_all();
      throw std::runtime_error("injected scan failure");
    }
    lock.unlock();
    if (data_ == nullptr) {
      LogEvent event;
      event.timestamp_ms = scan.start_ms;
      event.message = R"({"n":1})";
      visit(event, 0);
    }
    lock.lock();
    ++started_;  // and has visited its first event
    cv_.notify_all();
    const auto cap = std::chrono::steady_clock::now() + kHoldCap;
    // The service sets the stop flag without notifying: look at it every few milliseconds.
    while (!released_ && !scan.stop->load() && std::chrono::steady_clock::now() < cap) {
      cv_.wait_for(lock, std::chrono::milliseconds(5));
    }
    stopped_ += scan.stop->load();
    lock.unlock();
    if (data_ != nullptr) {
      data_->Scan(scan, visit);
    }
    lock.lock();
    ++ended_;
    cv_.notify_all();
  }

 private:
  template <typename Predicate>
  bool WaitFor(Predicate done) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kPrompt, done);
  }

  const LogsData* data_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable int started_ = 0;
  mutable int ended_ = 0;
  mutable int stopped_ = 0;
  bool throw_ = false;
  bool released_ = false;
};

class LogsServiceTest : public ::testing::Test {
 protected:
  LogsServiceTest() : clock_(FromUnixSeconds(kNow)) {}

  void Create(Millis latency, int max_concurrent = 10, int scan_threads = 2,
              const LogsSource* source = nullptr) {
    LogsConfig config;
    config.query_latency = latency;
    config.max_concurrent = max_concurrent;
    config.scan_threads = scan_threads;
    service_ =
        std::make_unique<LogsService>(config, source != nullptr ? *source : held_, stats_, clock_);
  }

  static std::string StartBody(const std::string& query, const std::string& group = kGroup) {
    return json{{"logGroupName", group},
                {"startTime", kNow - 3600},
                {"endTime", kNow},
                {"queryString", query}}
        .dump();
  }

  // StartQuery; the query id, or "" with a test failure.
  std::string Start(const std::string& group = kGroup) {
    LogsOutcome outcome = service_->StartQuery(StartBody("stats count(*) as n", group));
    EXPECT_FALSE(outcome.error.has_value()) << (outcome.error ? outcome.error->message : "");
    return outcome.error ? "" : json::parse(outcome.body)["queryId"].get<std::string>();
  }

  // The code of StartQuery's error, or "" when it was accepted.
  std::string StartError() {
    LogsOutcome outcome = service_->StartQuery(StartBody("stats count(*) as n"));
    return outcome.error ? outcome.error->code : "";
  }

  json Results(const std::string& id) {
    LogsOutcome outcome = service_->GetQueryResults(json{{"queryId", id}}.dump());
    EXPECT_FALSE(outcome.error.has_value()) << (outcome.error ? outcome.error->message : "");
    return outcome.error ? json() : json::parse(outcome.body);
  }

  std::string Status(const std::string& id) {
    json results = Results(id);
    return results.is_object() ? results["status"].get<std::string>() : "";
  }

  statusbridge::testing::FakeClock clock_;
  SandboxStats stats_;
  HeldSource held_;
  std::unique_ptr<LogsService> service_;
};

TEST_F(LogsServiceTest, StartQueryAnswersBeforeTheScanHasFinished) {
  Create(Millis(1500));
  const auto t0 = std::chrono::steady_clock::now();
  const std::string id = Start();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, kPrompt);  // the scan is held for kHoldCap
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(held_.WaitStarted(1));

  EXPECT_EQ(Status(id), "Scheduled");
  // The clock says the query is done, but its scan is not: it stays Running, with what the scan
  // has counted so far.
  clock_.Advance(Millis(5000));
  json results = Results(id);
  EXPECT_EQ(results["status"], "Running");
  EXPECT_EQ(results["results"], json::array());
  EXPECT_EQ(results["statistics"]["recordsScanned"], 1.0);
  EXPECT_EQ(stats_.logs_bytes_scanned, 0);

  held_.Release();
  ASSERT_TRUE(service_->WaitForScans(kPrompt));
  results = Results(id);
  EXPECT_EQ(results["status"], "Complete");
  ASSERT_EQ(results["results"].size(), 1u);
  EXPECT_EQ(results["results"][0][0], json::parse(R"({"field":"n","value":"1"})"));
  EXPECT_EQ(stats_.logs_bytes_scanned, 7);  // {"n":1}
}

TEST_F(LogsServiceTest, StopQueryStopsARunningScanPromptlyAndFreesItsSlot) {
  Create(Millis(1500), /*max_concurrent=*/1);
  const std::string id = Start();
  ASSERT_TRUE(held_.WaitStarted(1));
  EXPECT_EQ(StartError(), "LimitExceededException");
  clock_.Advance(Millis(1000));  // Running, half way on the clock

  LogsOutcome stop = service_->StopQuery(json{{"queryId", id}}.dump());
  ASSERT_FALSE(stop.error.has_value()) << stop.error->message;
  EXPECT_EQ(stop.body, R"({"success":true})");
  // The scan noticed and ended well before the hold's cap.
  ASSERT_TRUE(held_.WaitEnded(1));
  EXPECT_EQ(held_.stopped_scans(), 1);
  ASSERT_TRUE(service_->WaitForScans(kPrompt));

  json results = Results(id);
  EXPECT_EQ(results["status"], "Cancelled");
  EXPECT_EQ(results["results"], json::array());
  EXPECT_EQ(results["statistics"]["recordsScanned"], 0.0);  // floor(0.5 * 1)
  EXPECT_EQ(service_->StopQuery(json{{"queryId", id}}.dump()).error->code,
            "InvalidParameterException");
  // The slot is free again.
  EXPECT_EQ(StartError(), "");
}

TEST_F(LogsServiceTest, AQueuedQueryStoppedBeforeItsScanStartsNeverScans) {
  Create(Millis(0), /*max_concurrent=*/10, /*scan_threads=*/1);
  const std::string first = Start();
  ASSERT_TRUE(held_.WaitStarted(1));
  const std::string second = Start();
  clock_.Advance(Millis(10000));
  EXPECT_EQ(Status(first), "Running");
  EXPECT_EQ(Status(second), "Scheduled");  // waits for the one scan thread
  ASSERT_FALSE(service_->StopQuery(json{{"queryId", second}}.dump()).error.has_value());
  held_.Release();
  ASSERT_TRUE(service_->WaitForScans(kPrompt));
  EXPECT_EQ(Status(first), "Complete");
  EXPECT_EQ(Status(second), "Cancelled");
  EXPECT_EQ(held_.ended_scans(), 1);
}

TEST_F(LogsServiceTest, AScanThatThrowsFailsItsQueryAndFreesItsSlot) {
  held_.ThrowFromScans();
  Create(Millis(0), /*max_concurrent=*/1);
  const std::string id = Start();
  ASSERT_TRUE(service_->WaitForScans(kPrompt));
  json results = Results(id);
  EXPECT_EQ(results["status"], "Failed");
  EXPECT_EQ(results["results"], json::array());
  json described = json::parse(service_->DescribeQueries(R"({"status":"Failed"})").body);
  ASSERT_EQ(described["queries"].size(), 1u);
  EXPECT_EQ(described["queries"][0]["queryId"], id);
  EXPECT_EQ(StartError(), "");  // the slot came back
  EXPECT_EQ(service_->StopQuery(json{{"queryId", id}}.dump()).error->code,
            "InvalidParameterException");
}

TEST_F(LogsServiceTest, ClearStopsTheScansOfTheQueriesItForgets) {
  Create(Millis(1500), /*max_concurrent=*/1);
  const std::string id = Start();
  ASSERT_TRUE(held_.WaitStarted(1));
  service_->Clear();
  ASSERT_TRUE(held_.WaitEnded(1));
  EXPECT_EQ(held_.stopped_scans(), 1);
  ASSERT_TRUE(service_->WaitForScans(kPrompt));
  EXPECT_EQ(service_->GetQueryResults(json{{"queryId", id}}.dump()).error->code,
            "ResourceNotFoundException");
  EXPECT_EQ(StartError(), "");
  EXPECT_EQ(stats_.logs_bytes_scanned, 0);
}

TEST_F(LogsServiceTest, DestroyingTheServiceStopsItsScansAndJoinsItsThreads) {
  Create(Millis(1500), /*max_concurrent=*/10, /*scan_threads=*/2);
  for (int i = 0; i < 3; ++i) {
    Start();  // two scans held, one queued
  }
  ASSERT_TRUE(held_.WaitStarted(2));
  const auto t0 = std::chrono::steady_clock::now();
  service_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, kPrompt);
  // Both running scans returned before the destructor did; the queued one never started.
  EXPECT_EQ(held_.ended_scans(), 2);
  EXPECT_EQ(held_.stopped_scans(), 2);
}

TEST_F(LogsServiceTest, AScanSeesTheGroupsAsTheyWereAtStartQuery) {
  LogsData data(1, Seconds(0));
  HeldSource held(&data);
  Create(Millis(0), 10, 2, &held);
  data.Put("/test/app", "s", {{(kNow - 600) * 1000, "a"}, {(kNow - 300) * 1000, "b"}}, 0);
  const std::string before = Start("/test/app");
  ASSERT_TRUE(held.WaitStarted(1));
  // Put while the first scan has not read the group yet.
  data.Put("/test/app", "s", {{(kNow - 450) * 1000, "late"}}, 0);
  const std::string after = Start("/test/app");
  held.Release();
  ASSERT_TRUE(service_->WaitForScans(kPrompt));
  EXPECT_EQ(Results(before)["results"][0][0]["value"], "2");
  EXPECT_EQ(Results(after)["results"][0][0]["value"], "3");
}

TEST_F(LogsServiceTest, TimesBeyondTheYear9999AreRefused) {
  Create(Millis(0));
  LogsOutcome outcome = service_->StartQuery(json{
      {"logGroupName", kGroup},
      {"startTime", 0},
      {"endTime", 253402300800},
      {"queryString", "fields x"}}.dump());
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(outcome.error->code, "InvalidParameterException");
  EXPECT_THAT(outcome.error->message, HasSubstr("endTime"));
  outcome = service_->StartQuery(json::parse(R"({"logGroupName":"/test/held","startTime":0,)"
                                             R"("endTime":18446744073709551615,)"
                                             R"("queryString":"fields x"})")
                                     .dump());
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(outcome.error->code, "InvalidParameterException");
}

// LogsData::Scan: minute by minute, newest first, skipping the minutes without events.
class LogsDataScanTest : public ::testing::Test {
 protected:
  LogsDataScanTest() : data_(1, Seconds(0), TrafficShape::kFlat) {}

  LogsScan Window(std::vector<std::string> groups, int64_t start_ms, int64_t end_ms) {
    LogsScan scan;
    scan.groups = std::move(groups);
    scan.start_ms = start_ms;
    scan.end_ms = end_ms;
    scan.now = FromUnixSeconds(kNow);
    scan.put_mark = data_.PutMark();
    return scan;
  }

  struct Seen {
    int64_t timestamp_ms;
    size_t group;
    std::string message;
    friend bool operator==(const Seen&, const Seen&) = default;
  };
  std::vector<Seen> ScanAll(const LogsScan& scan) {
    std::vector<Seen> seen;
    data_.Scan(scan, [&](const LogEvent& event, size_t group) {
      seen.push_back({event.timestamp_ms, group, event.message});
    });
    return seen;
  }

  LogsData data_;
};

TEST_F(LogsDataScanTest, ALongWindowVisitsOnlyTheMinutesWithEvents) {
  data_.Put("/p", "s",
            {{86400 * 1000 + 1, "day two of 1970"},
             {(kNow - 86400 * 365) * 1000, "a year ago"},
             {(kNow - 60) * 1000 + 5, "a minute ago"}},
            0);
  const auto t0 = std::chrono::steady_clock::now();
  // 53 years of minutes, three of them with an event.
  std::vector<Seen> seen = ScanAll(Window({"/p"}, 0, kNow * 1000));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, kPrompt);
  EXPECT_EQ(seen, (std::vector<Seen>{{(kNow - 60) * 1000 + 5, 0, "a minute ago"},
                                     {(kNow - 86400 * 365) * 1000, 0, "a year ago"},
                                     {86400 * 1000 + 1, 0, "day two of 1970"}}));
}

TEST_F(LogsDataScanTest, GeneratedAndPutEventsOfAMinuteComeNewestFirstThenByGroup) {
  const int64_t minute = kNow - 600;
  std::vector<LogEvent> generated = GeneratedLogMinute(1, minute, TrafficShape::kFlat);
  ASSERT_FALSE(generated.empty());
  const int64_t shared_ms = generated[generated.size() / 2].timestamp_ms;
  data_.Put("/p", "s", {{shared_ms, "put, same millisecond"}, {minute * 1000, "put, first ms"}}, 0);
  data_.Put(std::string(kDemoLogGroup), "s", {{shared_ms, "put into the demo group"}}, 0);

  std::vector<Seen> expected;
  for (const LogEvent& event : generated) {
    expected.push_back({event.timestamp_ms, 0, event.message});
  }
  expected.push_back({shared_ms, 0, "put into the demo group"});
  expected.push_back({shared_ms, 1, "put, same millisecond"});
  expected.push_back({minute * 1000, 1, "put, first ms"});
  // Newest first; same millisecond: by group, then most recently put (generated events are older
  // than every put one), then by generated order.
  std::stable_sort(expected.begin(), expected.end(), [](const Seen& a, const Seen& b) {
    if (a.timestamp_ms != b.timestamp_ms) {
      return a.timestamp_ms > b.timestamp_ms;
    }
    if (a.group != b.group) {
      return a.group < b.group;
    }
    return a.message == "put into the demo group" && b.message != a.message;
  });
  std::vector<Seen> seen =
      ScanAll(Window({std::string(kDemoLogGroup), "/p"}, minute * 1000, minute * 1000 + 59999));
  ASSERT_EQ(seen.size(), expected.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].timestamp_ms, expected[i].timestamp_ms) << i;
    EXPECT_EQ(seen[i].group, expected[i].group) << i;
    if (expected[i].message.rfind("put", 0) == 0) {
      EXPECT_EQ(seen[i].message, expected[i].message) << i;
    }
  }
}

TEST_F(LogsDataScanTest, ItSeesPutsBeforeItsMarkOnlyAndEndsWhenStopped) {
  data_.Put("/p", "s", {{1000, "a"}, {2000, "b"}, {3000, "c"}}, 0);
  LogsScan scan = Window({"/p"}, 0, 86400 * 1000);
  data_.Put("/p", "s", {{4000, "after the mark"}}, 0);
  EXPECT_EQ(ScanAll(scan).size(), 3u);

  std::atomic<bool> stop{false};
  scan.stop = &stop;
  std::vector<std::string> seen;
  data_.Scan(scan, [&](const LogEvent& event, size_t) {
    seen.push_back(event.message);
    stop = seen.size() == 2;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"c", "b"}));
  EXPECT_TRUE(ScanAll(scan).empty());  // stopped before the first minute
}

}  // namespace
}  // namespace statusbridge::sandbox
