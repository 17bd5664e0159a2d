// zones group interfaces, uplinks and the networks behind them; sets are
// named address lists. Both are referred to by name from nat, firewall,
// egress and routing; the references are checked in validate_refs.cpp.
#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kZoneKeys[] = {"interfaces", "uplinks", "networks", "fast-path"};

Zone parse_zone(Reader& r, const Node& key, const Node& n, const std::string& path) {
    Zone z;
    z.name = r.read_key_name(key, path);
    z.loc = key.loc;
    if (!r.expect_map_or_null(n, path)) return z;
    r.check_keys(n, path, kZoneKeys);
    // Lists only, as the contract writes them: `interfaces: [lan]`.
    if (const Node* i = n.find("interfaces"); i && r.expect_list(*i, join_path(path, "interfaces")))
        z.interfaces = r.read_names(*i, join_path(path, "interfaces"));
    if (const Node* u = n.find("uplinks"); u && r.expect_list(*u, join_path(path, "uplinks")))
        z.uplinks = r.read_names(*u, join_path(path, "uplinks"));
    if (const Node* w = n.find("networks")) z.networks = r.read_address_list(*w, join_path(path, "networks"));
    if (const Node* f = n.find("fast-path")) assign(z.fast_path, r.read_bool(*f, join_path(path, "fast-path")));
    // The switch acts on the links a connection crosses; networks alone give it none.
    if (z.fast_path && z.interfaces.empty() && z.uplinks.empty())
        r.error(z.fast_path->loc, join_path(path, "fast-path"),
                "zone '" + key.text + "' has no interfaces or uplinks for fast-path to act on",
                "give the zone its interfaces or uplinks, or remove fast-path");
    if (n.entries.empty())
        r.warning(key.loc, path, "zone '" + key.text + "' is empty",
                  "give it interfaces, uplinks or networks, or remove it");
    return z;
}

}  // namespace

void parse_zones(Reader& r, const Node& n, Config& cfg) {
    if (!r.expect_map_or_null(n, "zones")) return;
    for (const auto& [key, value] : n.entries)
        cfg.zones.push_back(parse_zone(r, key, value, join_path("zones", key.text)));
}

void parse_sets(Reader& r, const Node& n, Config& cfg) {
    if (!r.expect_map_or_null(n, "sets")) return;
    for (const auto& [key, value] : n.entries) {
        auto path = join_path("sets", key.text);
        AddressSet set;
        set.name = r.read_key_name(key, path);
        set.loc = key.loc;
        if (is_builtin_set(key.text)) {
            r.error(key.loc, path, "set '" + key.text + "' is built in and cannot be redefined",
                    "choose another name");
            continue;
        }
        // One prefix or a list, like any address list, but literal only:
        // sets do not nest.
        if (value.is_scalar()) {
            if (auto p = r.read_network(value, path)) set.elements.push_back(*p);
        } else {
            set.elements = r.read_networks(value, path);
            if (value.is_sequence() && value.items.empty()) r.error(value.loc, path, "empty set '" + key.text + "'");
        }
        cfg.sets.push_back(std::move(set));
    }
}

}  // namespace gw::config
