#include "daemon/loop/debounce.hpp"

#include <algorithm>

namespace gw::loop {

Debouncer::Debouncer(TimeSource& time, Duration delay, Duration max_wait,
                     std::function<void()> action)
    : time_(time),
      delay_(delay),
      max_wait_(std::max(delay, max_wait)),
      action_(std::move(action)),
      timer_(time.make_timer([this] { fire(); })) {}

void Debouncer::poke() {
    auto now = time_.now();
    if (!burst_start_) burst_start_ = now;
    auto latest = *burst_start_ + max_wait_;
    auto left = std::chrono::duration_cast<Duration>(latest - now);
    timer_->arm(std::clamp(left, Duration::zero(), delay_));
}

void Debouncer::cancel() {
    timer_->disarm();
    burst_start_.reset();
}

void Debouncer::fire() {
    burst_start_.reset();
    action_();
}

}  // namespace gw::loop
