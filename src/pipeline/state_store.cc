#include "pipeline/state_store.h"

#include <sqlite3.h>

#include <cstring>

namespace statusbridge::pipeline {
namespace {

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  metric_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  value REAL NOT NULL,
  enqueued_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  UNIQUE (metric_id, ts)
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, ts);
CREATE TABLE published (
  metric_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  value REAL NOT NULL,
  published_at INTEGER NOT NULL,
  PRIMARY KEY (metric_id, ts)
) WITHOUT ROWID;
CREATE INDEX published_ts ON published (ts);
CREATE TABLE watermark (
  metric_name TEXT PRIMARY KEY,
  bucket INTEGER NOT NULL,
  last_value REAL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('application', 'statusbridge'), ('schema_version', '1');
)sql";

}  // namespace

// Owns the connection and finalizes statements. Every sqlite3_* call lives in this file.
struct StateStore::Db {
  sqlite3* conn = nullptr;
  std::string path;

  ~Db() {
    if (conn != nullptr) sqlite3_close_v2(conn);
  }

  // A Status for the last error on the connection, naming the file and what we were doing.
  Status Error(const std::string& what, int rc) const {
    std::string msg = "state file \"" + path + "\": " + what + ": " +
                      (conn != nullptr ? sqlite3_errmsg(conn) : sqlite3_errstr(rc));
    // SQLite's "disk I/O error" hides the cause; the OS error says it (EFBIG: a file size limit,
    // ENOSPC, EACCES...).
    const int os_error = conn != nullptr ? sqlite3_system_errno(conn) : 0;
    if (os_error != 0) {
      msg += std::string(" (") + std::strerror(os_error) + ")";
    }
    int primary = rc & 0xff;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
      return Status::DataLoss(msg + " (the file is damaged or not a statusbridge state database)");
    }
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Status::Unavailable(msg);
    if (primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN ||
        primary == SQLITE_READONLY || primary == SQLITE_PERM) {
      return Status::Unavailable(msg);
    }
    return Status::Internal(msg);
  }

  Status Exec(const char* sql, const std::string& what) {
    char* err = nullptr;
    int rc = sqlite3_exec(conn, sql, nullptr, nullptr, &err);
    if (err != nullptr) sqlite3_free(err);
    if (rc != SQLITE_OK) return Error(what, rc);
    return Status::Ok();
  }
};

namespace {

// A prepared statement with RAII finalize.
class Stmt {
 public:
  Stmt(sqlite3* conn, const char* sql) { rc_ = sqlite3_prepare_v2(conn, sql, -1, &stmt_, nullptr); }
  ~Stmt() {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  int prepare_rc() const { return rc_; }
  sqlite3_stmt* get() { return stmt_; }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void Bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindNull(int i) { sqlite3_bind_null(stmt_, i); }
  int Step() { return sqlite3_step(stmt_); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it fails.
template <typename F>
Status InTransaction(StateStore::Db& db, const std::string& what, F&& body) {
  SB_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE", what));
  Status s = body();
  if (!s.ok()) {
    db.Exec("ROLLBACK", what);
    return s;
  }
  s = db.Exec("COMMIT", what);
  if (!s.ok()) db.Exec("ROLLBACK", what);
  return s;
}
}  // namespace

StateStore::StateStore(std::string path, std::unique_ptr<Db> db)
    : path_(std::move(path)), db_(std::move(db)) {}

StateStore::~StateStore() = default;

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path) {
  auto db = std::make_unique<Db>();
  db->path = path;
  int rc =
      sqlite3_open_v2(path.c_str(), &db->conn,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return db->Error("cannot open", rc);
  sqlite3_busy_timeout(db->conn, 5000);
  sqlite3_extended_result_codes(db->conn, 1);

  // Reading the schema is the first touch of the file: a non-database fails here.
  int64_t tables = 0;
  bool has_meta = false;
  {
    Stmt st(db->conn, "SELECT name FROM sqlite_master WHERE type = 'table'");
    if (st.prepare_rc() != SQLITE_OK) return db->Error("cannot read the schema", st.prepare_rc());
    while ((rc = st.Step()) == SQLITE_ROW) {
      ++tables;
      const char* name = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
      if (name != nullptr && std::strcmp(name, "meta") == 0) has_meta = true;
    }
    if (rc != SQLITE_DONE) return db->Error("cannot read the schema", rc);
  }
  // A bounded page cache keeps memory flat however large the outbox grows.
  SB_RETURN_IF_ERROR(
      db->Exec(("PRAGMA cache_size = -" + std::to_string(kStatePageCacheKiB)).c_str(),
               "cannot set the page cache size"));
  if (path != ":memory:" && !path.empty()) {
    // WAL: readers never block the writer, and a crash mid-transaction rolls back on next open.
    SB_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode = WAL", "cannot enable WAL"));
  }
  // FULL: a committed point survives power loss, not only a process crash.
  SB_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = FULL", "cannot set synchronous"));

  if (tables == 0) {
    SB_RETURN_IF_ERROR(InTransaction(*db, "cannot create the schema", [&] {
      return db->Exec(kSchemaV1, "cannot create the schema");
    }));
  } else {
    if (!has_meta) {
      return Status::FailedPrecondition("state file \"" + path +
                                        "\" is a SQLite database but not a statusbridge state "
                                        "database (no meta table); refusing to use it");
    }
    std::string application;
    int64_t version = 0;
    Stmt st(db->conn, "SELECT key, value FROM meta");
    if (st.prepare_rc() != SQLITE_OK) return db->Error("cannot read meta", st.prepare_rc());
    while ((rc = st.Step()) == SQLITE_ROW) {
      std::string key = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
      const unsigned char* v = sqlite3_column_text(st.get(), 1);
      std::string value = v != nullptr ? reinterpret_cast<const char*>(v) : "";
      if (key == "application") application = value;
      if (key == "schema_version") version = std::atoll(value.c_str());
    }
    if (rc != SQLITE_DONE) return db->Error("cannot read meta", rc);
    if (application != "statusbridge") {
      return Status::FailedPrecondition(
          "state file \"" + path + "\" is not a statusbridge state database; refusing to use it");
    }
    if (version > kStateSchemaVersion) {
      return Status::FailedPrecondition(
          "state file \"" + path + "\" has schema version " + std::to_string(version) +
          ", newer than this statusbridge understands (" + std::to_string(kStateSchemaVersion) +
          "); upgrade statusbridge");
    }
    if (version < 1) {
      return Status::DataLoss("state file \"" + path + "\" has an invalid schema version");
    }
    // Future migrations: `if (version < 2) { ...; version = 2; }` inside one transaction each.
  }
  return std::unique_ptr<StateStore>(new StateStore(path, std::move(db)));
}

Result<int> StateStore::Enqueue(const std::vector<PendingPoint>& points,
                                const std::vector<WatermarkUpdate>& watermarks, SystemTime now) {
  return EnqueueEach(
      [&](const auto& visit) -> Status {
        for (const PendingPoint& p : points)
          SB_RETURN_IF_ERROR(visit(p.metric_id, p.bucket, p.value));
        return Status::Ok();
      },
      watermarks, now);
}

Result<int> StateStore::Enqueue(const std::vector<SeriesRef>& series,
                                const std::vector<WatermarkUpdate>& watermarks, SystemTime now) {
  return EnqueueEach(
      [&](const auto& visit) -> Status {
        for (const SeriesRef& s : series) {
          for (const statuspage::Point& p : s.points) {
            SB_RETURN_IF_ERROR(visit(s.metric_id, p.timestamp, p.value));
          }
        }
        return Status::Ok();
      },
      watermarks, now);
}

template <typename ForEach>
Result<int> StateStore::EnqueueEach(const ForEach& for_each,
                                    const std::vector<WatermarkUpdate>& watermarks,
                                    SystemTime now) {
  int enqueued = 0;
  Status s = InTransaction(*db_, "cannot enqueue points", [&]() -> Status {
    Stmt published(db_->conn, "SELECT value FROM published WHERE metric_id = ?1 AND ts = ?2");
    Stmt upsert(db_->conn,
                "INSERT INTO outbox (metric_id, ts, value, enqueued_at) VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT (metric_id, ts) DO UPDATE SET value = excluded.value, "
                "enqueued_at = excluded.enqueued_at WHERE value != excluded.value");
    Stmt drop_pending(db_->conn, "DELETE FROM outbox WHERE metric_id = ?1 AND ts = ?2");
    Stmt mark(db_->conn,
              "INSERT INTO watermark (metric_name, bucket, last_value) VALUES (?1, ?2, ?3) "
              "ON CONFLICT (metric_name) DO UPDATE SET bucket = excluded.bucket, "
              "last_value = coalesce(excluded.last_value, watermark.last_value)");
    for (Stmt* st : {&published, &upsert, &drop_pending, &mark}) {
      if (st->prepare_rc() != SQLITE_OK) return db_->Error("cannot prepare", st->prepare_rc());
    }
    auto visit = [&](const std::string& metric_id, SystemTime bucket, double value) -> Status {
      published.Reset();
      published.Bind(1, metric_id);
      published.Bind(2, ToUnixSeconds(bucket));
      int rc = published.Step();
      if (rc == SQLITE_ROW && sqlite3_column_double(published.get(), 0) == value) {
        // Statuspage already has exactly this value; a different pending one is now stale.
        drop_pending.Reset();
        drop_pending.Bind(1, metric_id);
        drop_pending.Bind(2, ToUnixSeconds(bucket));
        if (drop_pending.Step() != SQLITE_DONE) return db_->Error("cannot update outbox", rc);
        return Status::Ok();
      }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_->Error("cannot read published", rc);
      upsert.Reset();
      upsert.Bind(1, metric_id);
      upsert.Bind(2, ToUnixSeconds(bucket));
      upsert.Bind(3, value);
      upsert.Bind(4, ToUnixSeconds(now));
      rc = upsert.Step();
      if (rc != SQLITE_DONE) return db_->Error("cannot write outbox", rc);
      enqueued += sqlite3_changes(db_->conn) > 0 ? 1 : 0;
      return Status::Ok();
    };
    SB_RETURN_IF_ERROR(for_each(visit));
    for (const WatermarkUpdate& w : watermarks) {
      mark.Reset();
      mark.Bind(1, w.metric_name);
      mark.Bind(2, ToUnixSeconds(w.watermark.bucket));
      if (w.watermark.last_value.has_value()) {
        mark.Bind(3, *w.watermark.last_value);
      } else {
        mark.BindNull(3);
      }
      int rc = mark.Step();
      if (rc != SQLITE_DONE) return db_->Error("cannot write watermark", rc);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return enqueued;
}

Result<std::vector<OutboxItem>> StateStore::Due(int max, SystemTime now) {
  Stmt st(db_->conn,
          "SELECT id, metric_id, ts, value, attempts FROM outbox WHERE next_attempt_at <= ?1 "
          "ORDER BY ts, metric_id LIMIT ?2");
  if (st.prepare_rc() != SQLITE_OK) return db_->Error("cannot read outbox", st.prepare_rc());
  st.Bind(1, ToUnixSeconds(now));
  st.Bind(2, static_cast<int64_t>(max));
  std::vector<OutboxItem> items;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    OutboxItem item;
    item.id = sqlite3_column_int64(st.get(), 0);
    item.metric_id = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 1));
    item.bucket = FromUnixSeconds(sqlite3_column_int64(st.get(), 2));
    item.value = sqlite3_column_double(st.get(), 3);
    item.attempts = sqlite3_column_int(st.get(), 4);
    items.push_back(std::move(item));
  }
  if (rc != SQLITE_DONE) return db_->Error("cannot read outbox", rc);
  return items;
}

Status StateStore::Acknowledge(const std::vector<OutboxItem>& items, SystemTime now) {
  return InTransaction(*db_, "cannot record delivery", [&]() -> Status {
    // Delete only the value that was sent: a newer value enqueued meanwhile stays pending.
    Stmt del(db_->conn, "DELETE FROM outbox WHERE id = ?1 AND value = ?2");
    Stmt remember(db_->conn,
                  "INSERT OR REPLACE INTO published (metric_id, ts, value, published_at) "
                  "VALUES (?1, ?2, ?3, ?4)");
    for (Stmt* st : {&del, &remember}) {
      if (st->prepare_rc() != SQLITE_OK) return db_->Error("cannot prepare", st->prepare_rc());
    }
    for (const OutboxItem& item : items) {
      del.Reset();
      del.Bind(1, item.id);
      del.Bind(2, item.value);
      int rc = del.Step();
      if (rc != SQLITE_DONE) return db_->Error("cannot delete from outbox", rc);
      remember.Reset();
      remember.Bind(1, item.metric_id);
      remember.Bind(2, ToUnixSeconds(item.bucket));
      remember.Bind(3, item.value);
      remember.Bind(4, ToUnixSeconds(now));
      rc = remember.Step();
      if (rc != SQLITE_DONE) return db_->Error("cannot record published value", rc);
    }
    return Status::Ok();
  });
}

Status StateStore::Reject(const std::vector<OutboxItem>& items) {
  return InTransaction(*db_, "cannot drop rejected points", [&]() -> Status {
    Stmt del(db_->conn, "DELETE FROM outbox WHERE id = ?1");
    if (del.prepare_rc() != SQLITE_OK) return db_->Error("cannot prepare", del.prepare_rc());
    for (const OutboxItem& item : items) {
      del.Reset();
      del.Bind(1, item.id);
      int rc = del.Step();
      if (rc != SQLITE_DONE) return db_->Error("cannot delete from outbox", rc);
    }
    return Status::Ok();
  });
}

Status StateStore::Defer(const std::vector<OutboxItem>& items, SystemTime next_attempt) {
  return InTransaction(*db_, "cannot defer points", [&]() -> Status {
    Stmt upd(db_->conn,
             "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2 WHERE id = ?1");
    if (upd.prepare_rc() != SQLITE_OK) return db_->Error("cannot prepare", upd.prepare_rc());
    for (const OutboxItem& item : items) {
      upd.Reset();
      upd.Bind(1, item.id);
      upd.Bind(2, ToUnixSeconds(next_attempt));
      int rc = upd.Step();
      if (rc != SQLITE_DONE) return db_->Error("cannot update outbox", rc);
    }
    return Status::Ok();
  });
}

Result<int64_t> StateStore::ClampDeferrals(SystemTime latest) {
  Stmt upd(db_->conn, "UPDATE outbox SET next_attempt_at = ?1 WHERE next_attempt_at > ?1");
  if (upd.prepare_rc() != SQLITE_OK) return db_->Error("cannot prepare", upd.prepare_rc());
  upd.Bind(1, ToUnixSeconds(latest));
  int rc = upd.Step();
  if (rc != SQLITE_DONE) return db_->Error("cannot update outbox", rc);
  return static_cast<int64_t>(sqlite3_changes(db_->conn));
}

Result<int64_t> StateStore::PendingCount() {
  Stmt st(db_->conn, "SELECT count(*) FROM outbox");
  if (st.prepare_rc() != SQLITE_OK) return db_->Error("cannot count outbox", st.prepare_rc());
  int rc = st.Step();
  if (rc != SQLITE_ROW) return db_->Error("cannot count outbox", rc);
  return static_cast<int64_t>(sqlite3_column_int64(st.get(), 0));
}

Result<std::optional<SystemTime>> StateStore::NextAttempt() {
  Stmt st(db_->conn, "SELECT min(next_attempt_at) FROM outbox");
  if (st.prepare_rc() != SQLITE_OK) return db_->Error("cannot read outbox", st.prepare_rc());
  int rc = st.Step();
  if (rc != SQLITE_ROW) return db_->Error("cannot read outbox", rc);
  if (sqlite3_column_type(st.get(), 0) == SQLITE_NULL) return std::optional<SystemTime>();
  return std::optional<SystemTime>(FromUnixSeconds(sqlite3_column_int64(st.get(), 0)));
}

Result<std::optional<Watermark>> StateStore::GetWatermark(const std::string& metric_name) {
  Stmt st(db_->conn, "SELECT bucket, last_value FROM watermark WHERE metric_name = ?1");
  if (st.prepare_rc() != SQLITE_OK) return db_->Error("cannot read watermark", st.prepare_rc());
  st.Bind(1, metric_name);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return std::optional<Watermark>();
  if (rc != SQLITE_ROW) return db_->Error("cannot read watermark", rc);
  Watermark w;
  w.bucket = FromUnixSeconds(sqlite3_column_int64(st.get(), 0));
  if (sqlite3_column_type(st.get(), 1) != SQLITE_NULL)
    w.last_value = sqlite3_column_double(st.get(), 1);
  return std::optional<Watermark>(w);
}

Status StateStore::PrunePublished(SystemTime cutoff) {
  Stmt st(db_->conn, "DELETE FROM published WHERE ts < ?1");
  if (st.prepare_rc() != SQLITE_OK) return db_->Error("cannot prune", st.prepare_rc());
  st.Bind(1, ToUnixSeconds(cutoff));
  int rc = st.Step();
  if (rc != SQLITE_DONE) return db_->Error("cannot prune", rc);
  return Status::Ok();
}

Result<std::optional<double>> StateStore::PublishedValue(const std::string& metric_id,
                                                         SystemTime bucket) {
  Stmt st(db_->conn, "SELECT value FROM published WHERE metric_id = ?1 AND ts = ?2");
  if (st.prepare_rc() != SQLITE_OK) return db_->Error("cannot read published", st.prepare_rc());
  st.Bind(1, metric_id);
  st.Bind(2, ToUnixSeconds(bucket));
  int rc = st.Step();
  if (rc == SQLITE_DONE) return std::optional<double>();
  if (rc != SQLITE_ROW) return db_->Error("cannot read published", rc);
  return std::optional<double>(sqlite3_column_double(st.get(), 0));
}

}  // namespace statusbridge::pipeline
