#include "daemon/loop/event_loop.hpp"

#include <signal.h>
#include <sys/signalfd.h>

#include <cstring>
#include <exception>

#include "daemon/loop/log.hpp"

namespace gw::loop {
namespace {

std::string errno_text(const char* what, int rc) {
    return std::string(what) + ": " + std::strerror(rc < 0 ? -rc : rc);
}

// Timer accuracy: sd-event coalesces wake-ups within this window; its
// default (250 ms) would swallow a 50 ms debounce.
constexpr uint64_t kTimerAccuracyUsec = 1000;

class SdEventTimer final : public Timer {
public:
    SdEventTimer(sd_event* event, std::function<void()> fn) : event_(event), fn_(std::move(fn)) {}

    void arm(Duration delay) override {
        auto usec = static_cast<uint64_t>(delay.count());
        if (!source_) {
            sd_event_source* s = nullptr;
            int rc = sd_event_add_time_relative(event_, &s, CLOCK_MONOTONIC, usec,
                                                kTimerAccuracyUsec, &SdEventTimer::fire, this);
            if (rc < 0) {
                log_error(errno_text("cannot add a timer", rc));
                return;
            }
            source_.reset(s);
        } else {
            sd_event_source_set_time_relative(source_.get(), usec);
        }
        sd_event_source_set_enabled(source_.get(), SD_EVENT_ONESHOT);
    }

    void disarm() override {
        if (source_) sd_event_source_set_enabled(source_.get(), SD_EVENT_OFF);
    }

    bool armed() const override {
        int enabled = SD_EVENT_OFF;
        if (source_) sd_event_source_get_enabled(source_.get(), &enabled);
        return enabled != SD_EVENT_OFF;
    }

private:
    static int fire(sd_event_source*, uint64_t, void* userdata) {
        auto* self = static_cast<SdEventTimer*>(userdata);
        run_guarded("timer", self->fn_);
        return 0;
    }

    sd_event* event_;
    std::function<void()> fn_;
    SdEventSourcePtr source_;
};

}  // namespace

void run_guarded(const char* what, const std::function<void()>& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        log_error(std::string(what) + ": unexpected exception: " + e.what());
    } catch (...) {
        log_error(std::string(what) + ": unexpected exception");
    }
}

std::expected<std::unique_ptr<EventLoop>, std::string> EventLoop::create() {
    sd_event* e = nullptr;
    if (int rc = sd_event_new(&e); rc < 0) return std::unexpected(errno_text("sd_event_new", rc));
    return std::unique_ptr<EventLoop>(new EventLoop(SdEventPtr(e)));
}

std::unique_ptr<Timer> EventLoop::make_timer(std::function<void()> on_fire) {
    return std::make_unique<SdEventTimer>(event_.get(), std::move(on_fire));
}

int EventLoop::on_io(sd_event_source*, int, uint32_t, void* userdata) {
    run_guarded("event source", static_cast<Handler*>(userdata)->fn);
    return 0;
}

int EventLoop::on_signal_event(sd_event_source*, const signalfd_siginfo*, void* userdata) {
    run_guarded("signal", static_cast<Handler*>(userdata)->fn);
    return 0;
}

std::expected<void, std::string> EventLoop::watch_fd(int fd, std::function<void()> on_ready) {
    auto& h = handlers_.emplace_back(std::make_unique<Handler>(Handler{std::move(on_ready)}));
    sd_event_source* s = nullptr;
    int rc = sd_event_add_io(event_.get(), &s, fd, EPOLLIN, &EventLoop::on_io, h.get());
    if (rc < 0) return std::unexpected(errno_text("sd_event_add_io", rc));
    sources_.emplace_back(s);
    return {};
}

std::expected<void, std::string> EventLoop::on_signal(int signo, std::function<void()> handler) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    auto& h = handlers_.emplace_back(std::make_unique<Handler>(Handler{std::move(handler)}));
    sd_event_source* s = nullptr;
    int rc = sd_event_add_signal(event_.get(), &s, signo, &EventLoop::on_signal_event, h.get());
    if (rc < 0) return std::unexpected(errno_text("sd_event_add_signal", rc));
    sources_.emplace_back(s);
    return {};
}

void EventLoop::enable_watchdog() {
    if (int rc = sd_event_set_watchdog(event_.get(), 1); rc < 0)
        log_warning(errno_text("cannot enable the watchdog", rc));
}

int EventLoop::run() { return sd_event_loop(event_.get()); }

void EventLoop::exit(int code) { sd_event_exit(event_.get(), code); }

}  // namespace gw::loop
