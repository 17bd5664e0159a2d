// Child processes of the daemon (pppd, hooks): each in a process group of
// its own so a stop reaches everything it started, with PR_SET_PDEATHSIG
// so none outlives a daemon killed with SIGKILL, a clean signal mask, and
// stdout/stderr read line by line from the event loop. The Launcher
// interface lets tests run the session logic without processes.
#pragma once

#include <sys/types.h>

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <systemd/sd-event.h>

namespace gw::uplinks {

struct SpawnRequest {
    std::vector<std::string> argv;       // argv[0] is the program's path
    std::vector<std::string> env;        // "KEY=value", added to the daemon's environment
    std::optional<std::string> secret;   // handed over on descriptor `secret_fd` (a pipe), never argv/env
    int secret_fd = 3;
};

struct ExitStatus {
    bool signaled = false;
    int code = 0;  // exit status, or the signal number
    std::string describe() const;  // "exit status 1", "killed by SIGKILL"
};

struct ProcessEvents {
    std::function<void(std::string_view line)> on_line;  // each output line, without '\n'
    std::function<void(ExitStatus)> on_exit;             // once; output read so far came first
};

// A running child. Destroying it before it exited kills its group and reaps it.
class Process {
public:
    virtual ~Process() = default;
    virtual pid_t pid() const = 0;
    virtual bool running() const = 0;
    // To the whole process group, while the child is not reaped.
    virtual void signal_group(int signo) = 0;
};

class Launcher {
public:
    virtual ~Launcher() = default;
    virtual std::expected<std::unique_ptr<Process>, std::string> spawn(const SpawnRequest& req,
                                                                       ProcessEvents events) = 0;
};

// Real processes, watched through a pidfd and the output pipe on sd-event.
class SdEventLauncher final : public Launcher {
public:
    explicit SdEventLauncher(sd_event* event) : event_(event) {}
    std::expected<std::unique_ptr<Process>, std::string> spawn(const SpawnRequest& req,
                                                               ProcessEvents events) override;

private:
    sd_event* event_;
};

}  // namespace gw::uplinks
