// What conntrackd is told when the role changes, as its own primary-backup
// script does: on MASTER commit the external cache (the peer's flows) into
// the kernel table, flush the caches, resync from the kernel and send a
// bulk update; otherwise shorten the kernel timers of stale entries and ask
// the MASTER for a resync. One command at a time; when the role changed
// while a sequence ran, the rest of it is dropped for the new role's
// (latest wins).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/loop/timer.hpp"
#include "daemon/uplinks/child.hpp"
#include "daemon/status/status.hpp"

namespace gw::ha {

class SyncCommands {
public:
    SyncCommands(uplinks::Launcher& launcher, loop::TimeSource& time, std::string conntrackd, std::string config_file);
    void set_binary(std::string conntrackd, std::string config_file);
    void want(bool master);

    // The latest sequence so far: "MASTER: commit external cache ok, flush caches ok, ..."
    std::string last_action() const { return last_action_; }
    std::optional<status::SystemTime> last_time() const { return last_time_; }

private:
    void next();
    void finished(const std::string& what, uplinks::ExitStatus st);

    uplinks::Launcher& launcher_;
    std::string conntrackd_;
    std::string config_file_;
    std::optional<bool> wanted_;      // the latest role asked for
    std::optional<bool> running_for_; // the role of the sequence being run
    std::vector<std::string> queue_;  // its remaining flags
    std::unique_ptr<uplinks::Process> process_;
    std::unique_ptr<uplinks::Process> exited_;  // freed by next(), not inside its own exit callback
    std::unique_ptr<loop::Timer> next_timer_;
    std::string last_action_;
    std::optional<status::SystemTime> last_time_;
};

}  // namespace gw::ha
