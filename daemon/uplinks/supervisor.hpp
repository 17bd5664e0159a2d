// The PPPoE supervisor: one Session per pppoe uplink of the live config.
// A new config starts sessions for new uplinks, restarts those whose pppd
// settings changed (after the old pppd is gone, since both would want the
// same link name), stops those that were removed, and leaves the rest
// running. It plugs into the Controller's uplink seam (config becomes live,
// facts after each reconcile, status).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "daemon/reconcile/controller.hpp"
#include "daemon/uplinks/session.hpp"

namespace gw::uplinks {

class Supervisor {
public:
    // `settings` applies to every session; its config_label is set per config.
    Supervisor(Launcher& launcher, loop::TimeSource& time, SessionSettings settings,
               PasswordReader read_password = {});
    ~Supervisor();

    // Sets the Controller's three uplink callbacks to this supervisor.
    void attach(reconcile::Controller& controller);

    void apply(const config::LoadedConfig& cfg);
    // The VRRP role (ha.only-on-master): false holds those uplinks back.
    // One value, latest wins: a session stopping when the role comes back
    // starts again only once its pppd has exited.
    void set_master(bool master);
    bool held_back(const std::string& uplink) const { return held_.contains(uplink); }
    void on_facts(const rules::Facts& facts);
    void add_status(status::StatusReport& report) const;
    // Daemon shutdown: every session stops (no hooks), running hooks are
    // killed; `done` runs once no child is left.
    void stop_all(std::function<void()> done);

    const Session* session(const std::string& uplink) const;

private:
    struct Slot {
        std::unique_ptr<Session> session;
        std::optional<config::Uplink> next;  // start this once the session has stopped
        bool stopped = false;
    };

    std::unique_ptr<Session> make_session(const config::Uplink& uplink);
    void stop_slot(const std::string& name, Slot& slot);
    void tidy();

    Launcher& launcher_;
    loop::TimeSource& time_;
    SessionSettings settings_;
    PasswordReader read_password_;
    HookRunner hooks_;
    std::map<std::string, Slot> slots_;
    std::optional<config::LoadedConfig> last_;  // re-read when the role changes
    bool master_ = false;
    std::set<std::string> held_;  // only-on-master uplinks while not MASTER
    // Stopped sessions are replaced or dropped from here, never inside the
    // child-exit callback that finished them.
    std::unique_ptr<loop::Timer> tidy_timer_;
    bool shutting_down_ = false;
    std::function<void()> all_stopped_;
};

}  // namespace gw::uplinks
