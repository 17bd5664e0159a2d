// The HA pair in the daemon: from the live config's `ha:` section it writes
// keepalived's and conntrackd's configuration into the runtime directory
// (0600), runs both as children (a changed keepalived file is reloaded with
// SIGHUP, so a config change causes no failover), reads the VRRP role from
// keepalived's D-Bus API into one RoleBook and hands the box's role to the
// PPPoE supervisor and to conntrackd's commands. Status per instance.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "daemon/config/file.hpp"
#include "daemon/ha/adverts.hpp"
#include "daemon/ha/keepalived_bus.hpp"
#include "daemon/uplinks/program.hpp"
#include "daemon/ha/role.hpp"
#include "daemon/ha/sync_commands.hpp"
#include "daemon/reconcile/controller.hpp"
#include "daemon/uplinks/supervisor.hpp"

namespace gw::ha {

class Manager {
public:
    Manager(uplinks::Launcher& launcher, loop::TimeSource& time, sd_event* event, uplinks::Supervisor& supervisor,
            std::string run_dir);
    ~Manager();

    // Listens to the controller; attached before the supervisor (daemon.cpp).
    void attach(reconcile::Controller& controller);
    void apply(const config::LoadedConfig& cfg);
    void add_status(status::StatusReport& report) const;
    void stop_all(std::function<void()> done);

private:
    std::expected<uplinks::SpawnRequest, std::string> prepare_keepalived();
    std::expected<uplinks::SpawnRequest, std::string> prepare_conntrackd();
    std::expected<std::string, std::string> keepalived_text() const;
    void ensure_bus();
    void on_report(const KeepalivedBus::Report& r);
    void role_changed();

    uplinks::Launcher& launcher_;
    loop::TimeSource& time_;
    sd_event* event_;
    uplinks::Supervisor& supervisor_;
    std::string run_dir_;
    std::optional<config::LoadedConfig> cfg_;
    uplinks::Program keepalived_;
    uplinks::Program conntrackd_;
    SyncCommands sync_;
    std::unique_ptr<KeepalivedBus> bus_;
    std::unique_ptr<AdvertListener> adverts_;
    RoleBook roles_;
    std::vector<InstanceKey> keys_;
    std::string keepalived_written_;  // the text keepalived runs with; never logged (it holds the password)
};

}  // namespace gw::ha
