// interfaces: the links gatewayd manages addresses and routes on. The map
// key is the name zones refer to; `device` is the kernel link (defaults to
// the key). Addresses are host addresses, so host bits are expected here.
#include <map>

#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kInterfaceKeys[] = {"device", "addresses", "mtu", "routes", "enabled", "ipv6"};
constexpr std::string_view kRouteKeys[] = {"to", "via", "metric"};

std::optional<StaticRoute> parse_route(Reader& r, const Node& n, const std::string& path) {
    if (!r.expect_map(n, path)) return std::nullopt;
    r.check_keys(n, path, kRouteKeys);
    StaticRoute route;
    route.loc = n.loc;
    const Node* to = r.require(n, path, "to");
    if (!to) return std::nullopt;
    auto prefix = r.read_network(*to, join_path(path, "to"));
    if (!prefix) return std::nullopt;
    route.to = *prefix;
    if (const Node* via = n.find("via")) {
        route.via = r.read_address(*via, join_path(path, "via"), prefix->value.address.family);
    }
    if (const Node* m = n.find("metric")) route.metric = r.read_uint(*m, join_path(path, "metric"), 0, 0xffffffffu);
    return route;
}

void parse_addresses(Reader& r, const Node& n, const std::string& path, Interface& itf) {
    if (!r.expect_list(n, path)) return;
    std::map<std::string, int> seen;  // address text -> line: a long list stays n log n
    for (std::size_t i = 0; i < n.items.size(); ++i) {
        auto p = r.read_host_prefix(n.items[i], join_path(path, i));
        if (!p) continue;
        auto [first, fresh] = seen.emplace(p->value.address.str(), p->loc.line);
        if (!fresh)
            r.error(p->loc, join_path(path, i), "duplicate address " + p->value.address.str(),
                    "already listed at line " + std::to_string(first->second));
        itf.addresses.push_back(*p);
    }
}

Interface parse_interface(Reader& r, const Node& key, const Node& n, const std::string& path) {
    Interface itf;
    itf.name = r.read_key_name(key, path);
    itf.device = itf.name;
    itf.loc = key.loc;
    if (!r.expect_map_or_null(n, path)) return itf;
    r.check_keys(n, path, kInterfaceKeys);
    if (const Node* d = n.find("device")) assign(itf.device, r.read_link_name(*d, join_path(path, "device")));
    if (const Node* a = n.find("addresses")) parse_addresses(r, *a, join_path(path, "addresses"), itf);
    if (const Node* m = n.find("mtu")) itf.mtu = r.read_uint(*m, join_path(path, "mtu"), 68, 65535);
    if (const Node* e = n.find("enabled")) assign(itf.enabled, r.read_bool(*e, join_path(path, "enabled")));
    if (const Node* v6 = n.find("ipv6"); v6 && !v6->is_null()) itf.ipv6 = parse_lan_ipv6(r, *v6, join_path(path, "ipv6"));
    if (const Node* rt = n.find("routes"); rt && r.expect_list(*rt, join_path(path, "routes"))) {
        for (std::size_t i = 0; i < rt->items.size(); ++i) {
            if (auto route = parse_route(r, rt->items[i], join_path(join_path(path, "routes"), i)))
                itf.routes.push_back(std::move(*route));
        }
    }
    return itf;
}

}  // namespace

void parse_interfaces(Reader& r, const Node& n, Config& cfg) {
    if (!r.expect_map_or_null(n, "interfaces")) return;
    std::map<std::string, std::string> users;  // device -> the interface that named it first
    for (const auto& [key, value] : n.entries) {
        auto path = join_path("interfaces", key.text);
        Interface itf = parse_interface(r, key, value, path);
        auto [other, fresh] = users.emplace(itf.device.value, itf.name.value);
        if (!fresh)
            r.error(itf.device.loc.known() ? itf.device.loc : itf.loc, path,
                    "device '" + itf.device.value + "' is already used by interface '" + other->second + "'");
        cfg.interfaces.push_back(std::move(itf));
    }
}

}  // namespace gw::config
