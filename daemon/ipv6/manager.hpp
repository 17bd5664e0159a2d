// Routed IPv6 in the daemon. For each uplink with dhcpv6-pd a dhcpcd child
// while the uplink's link is up (DHCPv6 only, --noconfigure: it asks for the prefix and touches nothing;
// its hook script writes each event's environment into the runtime
// directory, which is watched with inotify). What the leases say is kept in
// one book: the delegation per uplink, and the prefixes a new delegation
// replaced, kept for at most two hours to be announced with lifetime 0
// (a timer ends them when no lease event comes first).
// The book is a source of facts for the reconciler; a change marks the
// kernel state dirty, so LAN addresses follow in the next reconcile. After
// each reconcile radvd's file is rendered from the config and those facts:
// radvd (a child too) is started, reloaded with SIGHUP when it changed, or
// stopped when nothing is left to announce.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "daemon/config/file.hpp"
#include "daemon/uplinks/program.hpp"
#include "daemon/ipv6/lease.hpp"
#include "daemon/loop/sd_objects.hpp"
#include "daemon/loop/timer.hpp"
#include "daemon/reconcile/controller.hpp"

namespace gw::ipv6 {

struct Programs {
    std::string dhcpcd = "/usr/sbin/dhcpcd";
    std::string radvd = "/usr/sbin/radvd";
};

// Delegations by uplink, as the leases reported them.
class DelegationBook {
public:
    using Clock = std::chrono::system_clock;
    // True when what compilation sees changed.
    bool update(const std::string& uplink, const LeaseEvent& ev, Clock::time_point now);
    void forget(const std::string& uplink);
    // Facts: each held delegation with the prefixes it replaced that are still young.
    std::map<std::string, rules::Delegation, std::less<>> facts(Clock::time_point now) const;
    std::optional<Clock::time_point> received(const std::string& uplink) const;
    // When the facts change next without a lease event: the earliest time a
    // retired prefix stops being announced. nullopt when none is held.
    std::optional<Clock::time_point> next_expiry(Clock::time_point now) const;

private:
    struct Held {
        std::optional<rules::Delegation> current;
        Clock::time_point received{};
        std::vector<std::pair<net::Prefix, Clock::time_point>> retired;  // prefix, announced until
    };
    void retire(Held& h, Clock::time_point now);
    std::map<std::string, Held, std::less<>> held_;
};

class Manager {
public:
    Manager(uplinks::Launcher& launcher, loop::TimeSource& time, sd_event* event, std::string run_dir,
            Programs programs = {});
    ~Manager();

    void attach(reconcile::Controller& controller, reconcile::Reconciler& reconciler);
    void apply(const config::LoadedConfig& cfg);
    void after_reconcile(const rules::Facts& facts);
    void add_status(status::StatusReport& report, const rules::Facts& facts) const;
    void stop_all(std::function<void()> done);

private:
    void follow_links(const rules::Facts& facts);
    void watch_leases();
    void read_lease(const std::string& file_name);
    void book_changed();
    void arm_expiry();
    std::expected<uplinks::SpawnRequest, std::string> prepare_dhcpcd(const config::Uplink& up);
    std::expected<uplinks::SpawnRequest, std::string> prepare_radvd();
    std::string radvd_conf_path() const;
    void stop_unwanted_clients(const config::Config& cfg);

    uplinks::Launcher& launcher_;
    loop::TimeSource& time_;
    sd_event* event_;
    std::string run_dir_;
    Programs programs_;
    reconcile::Controller* controller_ = nullptr;
    std::optional<config::LoadedConfig> cfg_;
    std::map<std::string, std::unique_ptr<uplinks::Program>, std::less<>> clients_;  // by uplink
    std::vector<std::unique_ptr<uplinks::Program>> stopping_;                        // clients of removed uplinks, until they exit
    std::map<std::string, std::string, std::less<>> uplink_of_link_;            // dhcpcd's interface -> uplink
    uplinks::Program radvd_;
    std::string radvd_written_;
    DelegationBook book_;
    std::unique_ptr<loop::Timer> expiry_;  // a retired prefix's announcements end
    loop::SdEventSourcePtr inotify_;
};

}  // namespace gw::ipv6
