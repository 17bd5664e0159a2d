// The uplinks' on-up/on-down commands: run through /bin/sh -c with the
// uplink's facts in the environment (UPLINK, IFACE, ADDRESS, PEER, DNS),
// one at a time per uplink and in order (an on-down never overtakes the
// on-up before it), their output logged, and their whole process group
// killed when they outlive the hook timeout.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/loop/timer.hpp"
#include "daemon/uplinks/child.hpp"

namespace gw::uplinks {

struct HookCall {
    std::string uplink;
    std::string which;    // "on-up" or "on-down"
    std::string command;  // a shell command line
    std::string iface;
    std::string address;
    std::string peer;
    std::vector<std::string> dns;
    loop::Duration timeout{};
};

// The environment a hook sees besides the daemon's own.
std::vector<std::string> hook_environment(const HookCall& call);

class HookRunner {
public:
    HookRunner(Launcher& launcher, loop::TimeSource& time, std::string shell = "/bin/sh")
        : launcher_(launcher), time_(time), shell_(std::move(shell)) {}

    void run(HookCall call);
    // Daemon shutdown: kill what runs, forget what waits.
    void kill_all();
    bool idle() const;

private:
    struct Running {
        HookCall call;
        std::unique_ptr<Process> process;
        std::unique_ptr<loop::Timer> deadline;
        bool timed_out = false;
    };
    struct Lane {  // one per uplink
        std::deque<HookCall> waiting;
        std::unique_ptr<Running> current;
        std::unique_ptr<Running> finished;  // freed on the next start, not inside its own callback
    };

    void start_next(const std::string& uplink);
    void finished(const std::string& uplink, ExitStatus status);

    Launcher& launcher_;
    loop::TimeSource& time_;
    std::string shell_;
    std::map<std::string, Lane> lanes_;
};

}  // namespace gw::uplinks
