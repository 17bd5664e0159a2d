// The daemon's one event loop, on sd-event: timers (as a TimeSource),
// readable file descriptors (netlink sockets), signals, the sd-bus
// connection and systemd's watchdog all run from it, so the daemon has no
// epoll loop or threads of its own. Every callback runs to completion; an
// exception escaping one is logged and the loop goes on.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/loop/sd_objects.hpp"
#include "daemon/loop/timer.hpp"

namespace gw::loop {

class EventLoop final : public TimeSource {
public:
    static std::expected<std::unique_ptr<EventLoop>, std::string> create();

    sd_event* get() const { return event_.get(); }

    std::unique_ptr<Timer> make_timer(std::function<void()> on_fire) override;
    Clock::time_point now() const override { return Clock::now(); }

    // `on_ready` runs whenever fd has something to read.
    std::expected<void, std::string> watch_fd(int fd, std::function<void()> on_ready);
    // The signal is blocked and delivered through the loop instead.
    std::expected<void, std::string> on_signal(int signo, std::function<void()> handler);
    // Sends WATCHDOG=1 at half the interval systemd asked for (WATCHDOG_USEC);
    // nothing when it asked for none.
    void enable_watchdog();

    int run();             // until exit(); returns its code
    void exit(int code);

private:
    explicit EventLoop(SdEventPtr event) : event_(std::move(event)) {}

    struct Handler {
        std::function<void()> fn;
    };
    static int on_io(sd_event_source*, int, uint32_t, void* userdata);
    static int on_signal_event(sd_event_source*, const signalfd_siginfo*, void* userdata);

    SdEventPtr event_;
    // Handlers live as long as the loop; sources refer to them by address.
    std::vector<std::unique_ptr<Handler>> handlers_;
    std::vector<SdEventSourcePtr> sources_;
};

// Runs `fn`, logging instead of propagating any exception: sd-event and
// sd-bus callbacks are C frames that an exception must not cross.
void run_guarded(const char* what, const std::function<void()>& fn);

}  // namespace gw::loop
