// keepalived.conf from the ha section: D-Bus on (gatewayd reads the role
// from it), no notify scripts (the role is read, never pushed), every
// instance starting as BACKUP so a box that boots never claims the address
// before it has heard its peer, and all instances in one sync group.
#include <sstream>

#include "rules/ha/ha_conf.hpp"

namespace gw::ha {

namespace {

void render_global(std::ostringstream& out, const config::Config& cfg) {
    out << "# written by gatewayd from " << cfg.file << "; edit that file instead\n";
    out << "global_defs {\n"
        << "    enable_dbus\n"
        << "    vrrp_garp_master_delay 1\n"
        << "    vrrp_garp_master_repeat 3\n"
        << "}\n";
}

void render_sync_group(std::ostringstream& out, const config::Ha& ha) {
    if (ha.instances.size() < 2) return;
    out << "vrrp_sync_group " << kSyncGroup << " {\n    group {\n";
    for (const auto& vi : ha.instances) out << "        " << vi.name.value << "\n";
    out << "    }\n}\n";
}

void render_instance(std::ostringstream& out, const config::Config& cfg, const config::VrrpInstance& vi,
                     const std::map<std::string, std::string>& secrets) {
    const config::Interface* itf = cfg.find_interface(vi.interface.value);
    std::string dev = itf ? itf->link_name() : vi.interface.value;
    out << "vrrp_instance " << vi.name.value << " {\n"
        << "    state BACKUP\n"
        << "    interface " << dev << "\n"
        << "    virtual_router_id " << vi.vrid.value << "\n"
        << "    priority " << vi.priority.value << "\n"
        << "    advert_int " << vi.advert_interval.value << "\n";
    if (!vi.preempt.value) out << "    nopreempt\n";
    if (auto s = secrets.find(vi.name.value); s != secrets.end())
        out << "    authentication {\n        auth_type PASS\n        auth_pass " << s->second << "\n    }\n";
    out << "    virtual_ipaddress {\n";
    for (const auto& va : vi.virtual_addresses) out << "        " << va.value.str() << " dev " << dev << "\n";
    out << "    }\n";
    if (!vi.track_links.empty()) {
        out << "    track_interface {\n";
        for (const auto& t : vi.track_links) out << "        " << tracked_link(cfg, t.value) << "\n";
        out << "    }\n";
    }
    out << "}\n";
}

}  // namespace

std::string tracked_link(const config::Config& cfg, const std::string& name) {
    if (const auto* itf = cfg.find_interface(name)) return itf->link_name();
    if (const auto* up = cfg.find_uplink(name)) return up->device.value;
    return name;
}

std::string render_keepalived_conf(const config::Config& cfg, const std::map<std::string, std::string>& secrets) {
    std::ostringstream out;
    if (!cfg.ha) return {};
    render_global(out, cfg);
    render_sync_group(out, *cfg.ha);
    for (const auto& vi : cfg.ha->instances) render_instance(out, cfg, vi, secrets);
    return out.str();
}

}  // namespace gw::ha
