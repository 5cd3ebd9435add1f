#include "pipeline/daemon.h"

#include <algorithm>

namespace statusbridge::pipeline {

int RunDaemonLoop(Runner& runner, Clock& clock, const StopToken& stop, Millis interval,
                  const std::function<void(const CycleReport&)>& on_cycle) {
  int cycles = 0;
  while (!stop.stop_requested()) {
    const MonotonicTime next = SaturatingAdd(clock.Monotonic(), std::max(interval, Millis(1)));
    CycleReport report = runner.RunCycle(next, /*wait_for_deferred=*/true);
    ++cycles;
    if (on_cycle) {
      on_cycle(report);
    }
    const Millis left = SaturatingDiff(next, clock.Monotonic());
    if (left > Millis(0) && clock.SleepFor(left, stop)) {
      break;
    }
  }
  return cycles;
}

}  // namespace statusbridge::pipeline
