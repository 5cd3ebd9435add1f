#include "core/clock.h"

#include <thread>

namespace statusbridge {

SystemTime SystemClock::Now() const {
  return std::chrono::floor<Seconds>(std::chrono::system_clock::now());
}

MonotonicTime SystemClock::Monotonic() const { return std::chrono::steady_clock::now(); }

void SystemClock::SleepFor(Millis d) {
  if (d.count() > 0) {
    std::this_thread::sleep_for(d);
  }
}

bool SystemClock::SleepFor(Millis d, const StopToken& stop) {
  if (d.count() <= 0) {
    return stop.stop_requested();
  }
  return stop.WaitFor(d);
}

}  // namespace statusbridge
