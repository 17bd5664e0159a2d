#include "daemon/uplinks/program.hpp"

#include <signal.h>

#include <utility>

#include "daemon/loop/log.hpp"

namespace gw::uplinks {

namespace {
constexpr auto kStopGrace = std::chrono::seconds(5);
}

Program::Program(Launcher& launcher, loop::TimeSource& time, std::string name)
    : launcher_(launcher),
      time_(time),
      name_(std::move(name)),
      restart_timer_(time.make_timer([this] { launch(); })),
      kill_timer_(time.make_timer([this] {
          if (process_) process_->signal_group(SIGKILL);
      })) {}

Program::~Program() = default;

void Program::start(Prepare prepare) {
    prepare_ = std::move(prepare);
    stopping_ = false;
    if (running() || restart_timer_->armed()) return;
    backoff_.reset();
    launch();
}

void Program::launch() {
    exited_.reset();
    auto req = prepare_();
    if (!req) return failed(req.error());
    ProcessEvents events;
    events.on_line = [this](std::string_view line) { loop::log_info(name_ + ": " + std::string(line)); };
    events.on_exit = [this](ExitStatus st) { exited(st); };
    auto p = launcher_.spawn(*req, std::move(events));
    if (!p) return failed("cannot start: " + p.error());
    process_ = std::move(*p);
    state_ = "running";
    loop::log_info(name_ + ": started (pid " + std::to_string(process_->pid()) + ")");
    if (on_change) on_change();
}

void Program::failed(const std::string& why) {
    auto wait = backoff_.next();
    state_ = "restarting in " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait).count()) +
             " s: " + why;
    loop::log_warning(name_ + ": " + why);
    restart_timer_->arm(wait);
    if (on_change) on_change();
}

void Program::exited(ExitStatus st) {
    kill_timer_->disarm();
    exited_ = std::move(process_);
    if (stopping_) {
        state_ = "stopped";
        if (on_change) on_change();
        if (on_stopped_) std::exchange(on_stopped_, nullptr)();
        return;
    }
    failed("ended (" + st.describe() + ")");
}

void Program::stop(std::function<void()> done) {
    stopping_ = true;
    restart_timer_->disarm();
    if (!running()) {
        state_ = "stopped";
        if (done) done();
        return;
    }
    if (done) {
        if (on_stopped_)
            on_stopped_ = [first = std::move(on_stopped_), then = std::move(done)] { first(); then(); };
        else
            on_stopped_ = std::move(done);
    }
    // Asked again while on its way out (every reconcile of a down uplink
    // stops its DHCPv6 client): its SIGKILL deadline stays where it was.
    if (kill_timer_->armed()) return;
    process_->signal_group(SIGTERM);
    kill_timer_->arm(kStopGrace);
}

void Program::signal(int signo) {
    if (running()) ::kill(process_->pid(), signo);
}

}  // namespace gw::uplinks
