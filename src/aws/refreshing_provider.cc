#include "aws/refreshing_provider.h"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>

namespace statusbridge::aws {
namespace {

class RefreshingProvider : public CredentialsProvider {
 public:
  RefreshingProvider(std::unique_ptr<CredentialsProvider> inner, Clock& clock,
                     RefreshWindows windows)
      : inner_(std::move(inner)), clock_(clock), windows_(windows) {}

  // CredentialsProvider
  Result<Credentials> GetCredentials() override {
    std::unique_lock<std::mutex> lock(mu_);
    if (cached_.has_value() && Remaining() > windows_.mandatory) {
      if (Remaining() > windows_.advisory || refreshing_) {
        return *cached_;
      }
      // Advisory window: this caller refreshes; a failure keeps the cached credentials.
      Result<Credentials> fresh = RefreshLocked(lock);
      if (fresh.ok() && Usable(*fresh)) {
        last_error_ = Status::Ok();
        cached_ = std::move(*fresh);
      } else if (!fresh.ok()) {
        last_error_ = fresh.status();
      }
      return *cached_;
    }
    // Nothing cached, or the mandatory window: wait for a refresh in flight, then look again.
    const uint64_t seen = generation_;
    done_.wait(lock, [this] { return !refreshing_; });
    if (generation_ != seen) {
      // Another caller just refreshed: share its outcome rather than fetching again.
      if (cached_.has_value() && Remaining() > windows_.mandatory) {
        return *cached_;
      }
      if (!last_error_.ok()) {
        return last_error_;
      }
    }
    Result<Credentials> fresh = RefreshLocked(lock);
    if (!fresh.ok()) {
      last_error_ = fresh.status();
      return fresh.status();
    }
    if (!Usable(*fresh)) {
      last_error_ = Status::PermissionDenied("credentials from " + fresh->source +
                                             " were refreshed but are already expired (at " +
                                             FormatIso8601(*fresh->expiration) + ")");
      return last_error_;
    }
    last_error_ = Status::Ok();
    cached_ = std::move(*fresh);
    return *cached_;
  }
  std::string Name() const override { return inner_->Name(); }

 private:
  // Time left on the cached credentials; "forever" without an expiration.
  Seconds Remaining() const {
    if (!cached_->expiration.has_value()) {
      return Seconds::max();
    }
    return *cached_->expiration - clock_.Now();
  }

  bool Usable(const Credentials& c) const {
    return !c.expiration.has_value() || *c.expiration > clock_.Now();
  }

  // Calls inner_ with the lock released, marking the refresh in flight. REQUIRES: lock held and
  // no refresh in flight.
  Result<Credentials> RefreshLocked(std::unique_lock<std::mutex>& lock) {
    refreshing_ = true;
    lock.unlock();
    Result<Credentials> fresh = inner_->GetCredentials();
    lock.lock();
    refreshing_ = false;
    ++generation_;
    done_.notify_all();
    return fresh;
  }

  const std::unique_ptr<CredentialsProvider> inner_;
  Clock& clock_;
  const RefreshWindows windows_;

  std::mutex mu_;
  std::condition_variable done_;
  bool refreshing_ = false;  // a caller is in inner_->GetCredentials()
  uint64_t generation_ = 0;  // refreshes completed
  std::optional<Credentials> cached_;
  Status last_error_;  // of the last refresh
};

}  // namespace

std::unique_ptr<CredentialsProvider> NewRefreshingProvider(
    std::unique_ptr<CredentialsProvider> inner, Clock& clock, RefreshWindows windows) {
  return std::make_unique<RefreshingProvider>(std::move(inner), clock, windows);
}

}  // namespace statusbridge::aws
