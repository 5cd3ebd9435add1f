#include "pipeline/state_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "status_matchers.h"

namespace statusbridge::pipeline {
namespace {

using ::statusbridge::testing::StatusIs;
using ::testing::HasSubstr;

SystemTime T(int64_t s) { return FromUnixSeconds(s); }
const SystemTime kNow = T(1700000000);

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sbstate-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "state.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<StateStore> Open() {
    auto s = StateStore::Open(path_);
    EXPECT_OK(s);
    return s.ok() ? std::move(s).value() : nullptr;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(StateStoreTest, EnqueuedPointsSurviveReopenInBucketOrder) {
  {
    auto store = Open();
    auto n = store->Enqueue({{"m2", T(120), 2.0}, {"m1", T(60), 1.0}, {"m1", T(0), 0.5}},
                            {{"metric-one", Watermark{T(60), 1.0}}}, kNow);
    ASSERT_OK(n);
    EXPECT_EQ(*n, 3);
  }
  auto store = Open();
  auto due = store->Due(10, kNow);
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 3u);
  EXPECT_EQ((*due)[0].bucket, T(0));
  EXPECT_EQ((*due)[1].bucket, T(60));
  EXPECT_EQ((*due)[2].metric_id, "m2");
  auto w = store->GetWatermark("metric-one");
  ASSERT_OK(w);
  ASSERT_TRUE(w->has_value());
  EXPECT_EQ((*w)->bucket, T(60));
  EXPECT_EQ((*w)->last_value, 1.0);
}

TEST_F(StateStoreTest, OnlyChangedOrNewValuesAreEnqueued) {
  auto store = Open();
  ASSERT_OK(store->Enqueue({{"m", T(0), 10.0}, {"m", T(60), 11.0}}, {}, kNow));
  auto due = store->Due(10, kNow);
  ASSERT_OK(due);
  ASSERT_OK(store->Acknowledge(*due, kNow));
  EXPECT_EQ(*store->PendingCount(), 0);

  // Re-reading the same values enqueues nothing; a changed bucket is enqueued once.
  auto n = store->Enqueue({{"m", T(0), 10.0}, {"m", T(60), 12.0}, {"m", T(120), 13.0}}, {}, kNow);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 2);
  n = store->Enqueue({{"m", T(0), 10.0}, {"m", T(60), 12.0}, {"m", T(120), 13.0}}, {}, kNow);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(*store->PendingCount(), 2);
}

TEST_F(StateStoreTest, NewerValueReplacesPendingOneAndRevertedValueCancelsIt) {
  auto store = Open();
  ASSERT_OK(store->Enqueue({{"m", T(0), 1.0}}, {}, kNow));
  ASSERT_OK(store->Acknowledge(*store->Due(10, kNow), kNow));
  ASSERT_OK(store->Enqueue({{"m", T(0), 2.0}}, {}, kNow));
  ASSERT_OK(store->Enqueue({{"m", T(0), 3.0}}, {}, kNow));
  auto due = store->Due(10, kNow);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].value, 3.0);
  // The value went back to what Statuspage already shows: nothing left to send.
  ASSERT_OK(store->Enqueue({{"m", T(0), 1.0}}, {}, kNow));
  EXPECT_EQ(*store->PendingCount(), 0);
}

TEST_F(StateStoreTest, AcknowledgeKeepsAValueEnqueuedAfterTheSend) {
  auto store = Open();
  ASSERT_OK(store->Enqueue({{"m", T(0), 1.0}}, {}, kNow));
  auto sent = *store->Due(10, kNow);
  ASSERT_OK(store->Enqueue({{"m", T(0), 2.0}}, {}, kNow));  // changed while in flight
  ASSERT_OK(store->Acknowledge(sent, kNow));
  auto due = *store->Due(10, kNow);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].value, 2.0);
  EXPECT_EQ(*store->PublishedValue("m", T(0)), 1.0);
}

TEST_F(StateStoreTest, DeferHidesPointsUntilTheirNextAttempt) {
  auto store = Open();
  ASSERT_OK(store->Enqueue({{"m", T(0), 1.0}, {"n", T(0), 2.0}}, {}, kNow));
  auto due = *store->Due(1, kNow);
  ASSERT_OK(store->Defer(due, kNow + Seconds(30)));
  EXPECT_EQ(store->Due(10, kNow)->size(), 1u);
  EXPECT_EQ(store->Due(10, kNow + Seconds(30))->size(), 2u);
  EXPECT_EQ((*store->NextAttempt()).value(), T(0));
  ASSERT_OK(store->Reject(*store->Due(10, kNow + Seconds(30))));
  EXPECT_EQ(*store->PendingCount(), 0);
  EXPECT_FALSE(store->NextAttempt()->has_value());
  EXPECT_FALSE(store->PublishedValue("m", T(0))->has_value());  // rejected is not published
}

TEST_F(StateStoreTest, PruneForgetsOldPublishedValues) {
  auto store = Open();
  ASSERT_OK(store->Enqueue({{"m", T(0), 1.0}, {"m", T(600), 2.0}}, {}, kNow));
  ASSERT_OK(store->Acknowledge(*store->Due(10, kNow), kNow));
  ASSERT_OK(store->PrunePublished(T(300)));
  EXPECT_FALSE(store->PublishedValue("m", T(0))->has_value());
  EXPECT_TRUE(store->PublishedValue("m", T(600))->has_value());
}

TEST_F(StateStoreTest, RefusesAFileThatIsNotADatabase) {
  std::ofstream(path_) << "this is a config file, not a database\n" << std::string(5000, 'x');
  EXPECT_THAT(StateStore::Open(path_), StatusIs(StatusCode::kDataLoss, HasSubstr(path_)));
  // The file is untouched.
  std::ifstream in(path_);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "this is a config file, not a database");
}

TEST_F(StateStoreTest, RefusesAnotherApplicationsDatabase) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE users (id INTEGER)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_THAT(StateStore::Open(path_), StatusIs(StatusCode::kFailedPrecondition,
                                                HasSubstr("not a statusbridge state database")));
}

TEST_F(StateStoreTest, RefusesANewerSchema) {
  Open().reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'", nullptr, nullptr,
               nullptr);
  sqlite3_close(db);
  EXPECT_THAT(StateStore::Open(path_), StatusIs(StatusCode::kFailedPrecondition, HasSubstr("99")));
}

TEST_F(StateStoreTest, CorruptPagesAreDataLossNotACrash) {
  {
    auto store = Open();
    std::vector<PendingPoint> many;
    for (int i = 0; i < 2000; ++i) many.push_back({"m", T(60 * i), double(i)});
    ASSERT_OK(store->Enqueue(many, {}, kNow));
  }
  // Scribble over the middle of the file (past the header page).
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 + 100);
    std::string junk(8192, '\xA5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  std::filesystem::remove(path_ + "-wal");
  auto store = StateStore::Open(path_);
  if (store.ok()) {
    // The schema page survived; reading the damaged table must fail cleanly.
    auto due = (*store)->Due(5000, kNow);
    EXPECT_THAT(due, StatusIs(StatusCode::kDataLoss, HasSubstr(path_)));
  } else {
    EXPECT_THAT(store, StatusIs(StatusCode::kDataLoss, HasSubstr(path_)));
  }
}

TEST_F(StateStoreTest, CrashMidTransactionLosesNothingCommitted) {
  {
    auto store = Open();
    ASSERT_OK(store->Enqueue({{"m", T(0), 1.0}}, {}, kNow));
  }
  // A child process opens the file, writes inside an open transaction, and dies without commit.
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_exec(db,
                 "BEGIN IMMEDIATE; INSERT INTO outbox (metric_id, ts, value, enqueued_at) "
                 "VALUES ('m', 60, 2.0, 0); DELETE FROM outbox WHERE ts = 0;",
                 nullptr, nullptr, nullptr);
    _exit(0);  // no COMMIT, no close
  }
  int status = 0;
  waitpid(pid, &status, 0);
  auto store = Open();
  auto due = store->Due(10, kNow);
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].bucket, T(0));
}

TEST_F(StateStoreTest, KillDuringEnqueueLeavesWholeBatchesOnly) {
  Open().reset();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto store = StateStore::Open(path_);
    if (!store.ok()) _exit(3);
    for (int batch = 0;; ++batch) {
      std::vector<PendingPoint> points;
      for (int i = 0; i < 100; ++i) points.push_back({"m" + std::to_string(i), T(60 * batch), 1.0});
      if (!(*store)->Enqueue(points, {{"w", Watermark{T(60 * batch), 1.0}}}, kNow).ok()) _exit(4);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto store = Open();
  int64_t pending = *store->PendingCount();
  EXPECT_GT(pending, 0);
  EXPECT_EQ(pending % 100, 0) << "a batch was half-written";
  // The watermark matches the last whole batch.
  auto w = store->GetWatermark("w");
  ASSERT_TRUE(w->has_value());
  EXPECT_EQ(ToUnixSeconds((*w)->bucket) / 60 + 1, pending / 100);
}

}  // namespace
}  // namespace statusbridge::pipeline
