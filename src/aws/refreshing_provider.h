#pragma once

// RefreshingProvider: a caching decorator that renews temporary credentials before they expire,
// with botocore's RefreshableCredentials rules (credentials.py; shared/docs/research/aws.md §4):
//
//   - Nothing cached yet: the first caller fetches from `inner`; concurrent callers wait for it
//     (one fetch, not a stampede). An error goes to every caller that waited for that fetch, and
//     the next call tries again.
//   - More than `advisory` (15 min) left: the cached credentials are returned; `inner` is not
//     called.
//   - Between `mandatory` (10 min) and `advisory` left: one caller refreshes while every other
//     caller keeps getting the cached credentials at once. A failed refresh is ignored (the
//     cached credentials are still good), and the next call tries again.
//   - `mandatory` or less left, or expired: callers block until a refresh completes; a failed
//     refresh is returned to them. Fresh credentials that are already expired are an error
//     (PermissionDenied naming their source), as in botocore.
//   - Credentials without an expiration (long-term keys) are cached for the provider's life.
//
// `inner` is never called by two threads at once. Temporary credentials keep their session token;
// SignRequest signs it. Thread-safe; `clock` must outlive the provider.

#include <memory>

#include "aws/credentials.h"
#include "core/clock.h"

namespace statusbridge::aws {

struct RefreshWindows {
  Seconds advisory{15 * 60};   // botocore _DEFAULT_ADVISORY_REFRESH_TIMEOUT
  Seconds mandatory{10 * 60};  // botocore _DEFAULT_MANDATORY_REFRESH_TIMEOUT
};

// Name() is inner's Name().
std::unique_ptr<CredentialsProvider> NewRefreshingProvider(
    std::unique_ptr<CredentialsProvider> inner, Clock& clock, RefreshWindows windows = {});

}  // namespace statusbridge::aws
