// A long-running helper program (keepalived and conntrackd for the HA
// pair, dhcpcd and radvd for routed IPv6): gatewayd's child, restarted with back-off when it dies, stopped with
// SIGTERM (SIGKILL after a grace period) and done only once reaped. Being
// the daemon's child is the point: when gatewayd dies, PR_SET_PDEATHSIG
// takes keepalived with it, so a box whose manager is gone gives up the
// MASTER role instead of holding the LAN's address with no one to dial.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "daemon/loop/backoff.hpp"
#include "daemon/loop/timer.hpp"
#include "daemon/uplinks/child.hpp"

namespace gw::uplinks {

class Program {
public:
    // `prepare` writes the program's files and says how to run it, at every
    // start (so a secret file fixed meanwhile is read again); an error keeps
    // it stopped and is retried with back-off.
    using Prepare = std::function<std::expected<SpawnRequest, std::string>()>;

    Program(Launcher& launcher, loop::TimeSource& time, std::string name);
    ~Program();

    void start(Prepare prepare);
    void stop(std::function<void()> done);
    // To the program itself, not its group (keepalived's SIGHUP reload).
    void signal(int signo);
    bool running() const { return process_ && process_->running(); }
    // "running", "starting", "restarting in N s: <why>", "stopped"
    std::string state() const { return state_; }
    // Runs after each start and each exit, for whoever follows the program.
    std::function<void()> on_change;

private:
    void launch();
    void exited(ExitStatus st);
    void failed(const std::string& why);

    Launcher& launcher_;
    loop::TimeSource& time_;
    std::string name_;
    Prepare prepare_;
    std::unique_ptr<Process> process_;
    std::unique_ptr<Process> exited_;  // freed later, not inside its own exit callback
    std::unique_ptr<loop::Timer> restart_timer_;
    std::unique_ptr<loop::Timer> kill_timer_;
    loop::Backoff backoff_{std::chrono::seconds(1), std::chrono::seconds(30)};
    std::string state_ = "stopped";
    bool stopping_ = false;
    std::function<void()> on_stopped_;
};

}  // namespace gw::uplinks
