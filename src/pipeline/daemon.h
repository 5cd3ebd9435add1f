#pragma once

// The daemon's loop (`statusbridge run`): a Runner cycle every `interval` until a stop is
// requested. Cycles never overlap; a cycle that overruns its interval is followed at once by the
// next; each cycle may use the time until the next one starts to retry deferred points (its
// deadline is the next start). Between cycles it waits on the injected Clock through the one
// stop-aware wait (Clock::SleepFor(d, stop)), so a stop ends the wait at once, and the whole
// loop runs on a fake clock in tests (tests/pipeline/runner_test.cc runs days of cycles in
// milliseconds).
//
// Not thread-safe: one loop per Runner. `stop` may be requested from any thread.

#include <functional>

#include "core/clock.h"
#include "core/stop_token.h"
#include "pipeline/runner.h"

namespace statusbridge::pipeline {

// Runs cycles until `stop`; `on_cycle` (optional) sees each cycle's report (the App logs it).
// Returns the number of cycles run.
int RunDaemonLoop(Runner& runner, Clock& clock, const StopToken& stop, Millis interval,
                  const std::function<void(const CycleReport&)>& on_cycle);

}  // namespace statusbridge::pipeline
