#include "daemon/status/ha_status.hpp"

#include "daemon/status/section_json.hpp"

namespace gw::status {

using namespace section;

void write_ha_json(rules::JsonWriter& w, const HaStatus& ha) {
    w.key("ha").begin_object().key("master").value(ha.master).key("keepalived").value(ha.keepalived);
    w.key("instances").begin_array();
    for (const auto& i : ha.instances) {
        w.begin_object().key("name").value(i.name).key("interface").value(i.interface)
            .key("vrid").value(static_cast<std::uint64_t>(i.vrid)).key("role").value(i.role);
        write_time(w, "since", i.since);
        w.key("peer").value(i.peer).key("peer_priority").value(static_cast<std::uint64_t>(i.peer_priority));
        write_time(w, "peer_advert", i.peer_advert);
        w.end_object();
    }
    w.end_array().key("sync").value(ha.sync).key("last_sync_action").value(ha.last_sync_action);
    write_time(w, "last_sync_time", ha.last_sync_time);
    write_strings(w, "held_back", ha.held_back);
    w.end_object();
}

HaStatus read_ha_json(const YAML::Node& n) {
    HaStatus ha;
    ha.master = read<bool>(n, "master");
    ha.keepalived = read<std::string>(n, "keepalived");
    for (const auto& i : n["instances"])
        ha.instances.push_back({read<std::string>(i, "name"), read<std::string>(i, "interface"),
                                read<std::uint32_t>(i, "vrid"), read<std::string>(i, "role"), read_time(i, "since"),
                                read<std::string>(i, "peer"), read<std::uint32_t>(i, "peer_priority"),
                                read_time(i, "peer_advert")});
    ha.sync = read<std::string>(n, "sync");
    ha.last_sync_action = read<std::string>(n, "last_sync_action");
    ha.last_sync_time = read_time(n, "last_sync_time");
    ha.held_back = read_strings(n, "held_back");
    return ha;
}

std::string render_ha_section(const HaStatus& ha, SystemTime now) {
    std::string out = "HA: " + std::string(ha.master ? "MASTER" : "not MASTER") + " (keepalived " + ha.keepalived + ")\n";
    for (const auto& i : ha.instances) {
        out += "  " + i.name + " " + i.interface + " vrid " + std::to_string(i.vrid) + ": " + i.role;
        if (i.since) out += " since " + format_time(*i.since);
        out += "; peer advert: ";
        out += i.peer.empty() ? std::string("none heard")
                              : i.peer + " priority " + std::to_string(i.peer_priority) + ", " + ago(i.peer_advert, now);
        out += '\n';
    }
    out += "  sync: " + ha.sync;
    if (!ha.last_sync_action.empty()) out += "; last: " + ha.last_sync_action + " " + ago(ha.last_sync_time, now);
    out += '\n';
    std::string held;
    for (const auto& u : ha.held_back) held += (held.empty() ? "" : ", ") + u;
    out += "  held back (not MASTER): " + (held.empty() ? std::string("none") : held) + '\n';
    return out;
}

}  // namespace gw::status
