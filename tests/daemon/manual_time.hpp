// Time driven by hand for the daemon's logic: timers fire only inside
// advance(), in deadline order, so a test states exactly how much time
// passed and sees every debounce, retry and confirm timer do its job.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "daemon/loop/timer.hpp"

namespace gw::test {

class ManualTime final : public loop::TimeSource {
public:
    class ManualTimer final : public loop::Timer {
    public:
        ManualTimer(ManualTime& time, std::function<void()> fn) : time_(time), fn_(std::move(fn)) {}
        // Objects that own timers (PPPoE sessions) may come and go during a test.
        ~ManualTimer() override { std::erase(time_.timers_, this); }
        void arm(loop::Duration delay) override { deadline_ = time_.now_ + delay; }
        void disarm() override { deadline_.reset(); }
        bool armed() const override { return deadline_.has_value(); }

    private:
        friend class ManualTime;
        ManualTime& time_;
        std::function<void()> fn_;
        std::optional<loop::Clock::time_point> deadline_;
    };

    std::unique_ptr<loop::Timer> make_timer(std::function<void()> fn) override {
        auto t = std::make_unique<ManualTimer>(*this, std::move(fn));
        timers_.push_back(t.get());
        return t;
    }
    loop::Clock::time_point now() const override { return now_; }

    // Moves time forward, firing every timer that falls due on the way.
    void advance(loop::Duration d) {
        auto end = now_ + d;
        while (auto* t = next_due(end)) {
            now_ = *t->deadline_;
            t->deadline_.reset();
            t->fn_();
        }
        now_ = end;
    }

private:
    ManualTimer* next_due(loop::Clock::time_point end) {
        ManualTimer* best = nullptr;
        for (auto* t : timers_)
            if (t->deadline_ && *t->deadline_ <= end && (!best || *t->deadline_ < *best->deadline_)) best = t;
        return best;
    }

    loop::Clock::time_point now_{};
    std::vector<ManualTimer*> timers_;  // a timer removes itself when destroyed
};

}  // namespace gw::test
