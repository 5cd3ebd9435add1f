#include "core/deadline.h"

#include <algorithm>
#include <string>

namespace statusbridge {

Millis Deadline::Remaining(const Clock& clock) const {
  return std::max(SaturatingDiff(at_, clock.Monotonic()), Millis(0));
}

Millis Deadline::Cap(Millis timeout, const Clock& clock, Millis floor) const {
  return std::max(std::min(timeout, Remaining(clock)), floor);
}

bool Deadline::SleepFor(Millis d, Clock& clock) const {
  if (StopRequested()) {
    return false;
  }
  if (d > Remaining(clock)) {
    return false;
  }
  if (!should_stop_) {
    clock.SleepFor(d);
    return true;
  }
  while (d > Millis(0)) {
    const Millis slice = std::min(d, Millis(250));
    clock.SleepFor(slice);
    d -= slice;
    if (StopRequested()) {
      return false;
    }
  }
  return true;
}

Status Deadline::ExpiredStatus(std::string_view what) const {
  std::string text(what);
  text += StopRequested() ? ": stop requested" : ": the cycle's deadline passed";
  return Status::DeadlineExceeded(std::move(text));
}

}  // namespace statusbridge
