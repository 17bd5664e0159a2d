// Coalesces bursts of kernel events into one action. Each poke() pushes the
// deadline `delay` further out (a link flap sends a dozen messages in a few
// milliseconds), but never beyond `max_wait` after the first poke of a
// burst, so a steady stream of events cannot starve the action.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "daemon/loop/timer.hpp"

namespace gw::loop {

class Debouncer {
public:
    Debouncer(TimeSource& time, Duration delay, Duration max_wait, std::function<void()> action);

    void poke();
    // Drops a pending run (the action has just been done some other way).
    void cancel();
    bool pending() const { return timer_->armed(); }

private:
    void fire();

    TimeSource& time_;
    Duration delay_;
    Duration max_wait_;
    std::function<void()> action_;
    std::unique_ptr<Timer> timer_;
    std::optional<Clock::time_point> burst_start_;
};

}  // namespace gw::loop
