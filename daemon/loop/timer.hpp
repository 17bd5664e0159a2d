// One-shot timers and a clock behind small interfaces, so the daemon's
// logic (debounce, retry back-off, confirm deadline) never talks to
// sd-event directly: the daemon runs them on sd-event (sd_timer.hpp), and
// tests drive time by hand (tests/daemon/manual_time.hpp).
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace gw::loop {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::microseconds;

class Timer {
public:
    virtual ~Timer() = default;
    // (Re)starts the timer: the callback runs once, `delay` from now.
    // Arming an armed timer moves its deadline.
    virtual void arm(Duration delay) = 0;
    virtual void disarm() = 0;
    virtual bool armed() const = 0;
};

// Makes timers and tells the time; one per event loop.
class TimeSource {
public:
    virtual ~TimeSource() = default;
    virtual std::unique_ptr<Timer> make_timer(std::function<void()> on_fire) = 0;
    virtual Clock::time_point now() const = 0;
};

}  // namespace gw::loop
