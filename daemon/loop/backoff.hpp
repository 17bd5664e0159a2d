// Exponential back-off for transient failures (a device not there yet, a
// busy kernel): each failure doubles the wait up to a ceiling; a success
// starts over. Pure arithmetic; the caller owns the timer.
#pragma once

#include "daemon/loop/timer.hpp"

namespace gw::loop {

class Backoff {
public:
    Backoff(Duration first, Duration ceiling) : first_(first), ceiling_(ceiling) {}

    // The wait before the next attempt; each call doubles the following one.
    Duration next();
    void reset() { failures_ = 0; }
    int failures() const { return failures_; }

private:
    Duration first_;
    Duration ceiling_;
    int failures_ = 0;
};

}  // namespace gw::loop
