// Lookups by name on a parsed Config. Names are unique per kind (parse_config
// rejects duplicates), so the first match is the only one.
#include "rules/config/model.hpp"

#include <algorithm>

namespace gw::config {

namespace {

template <class T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
    auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name.value == name; });
    return it == items.end() ? nullptr : &*it;
}

}  // namespace

const Interface* Config::find_interface(std::string_view name) const {
    return find_named(interfaces, name);
}

const Uplink* Config::find_uplink(std::string_view name) const {
    return find_named(uplinks, name);
}

const Zone* Config::find_zone(std::string_view name) const {
    return find_named(zones, name);
}

std::optional<Loc> Config::fast_path_switch() const {
    if (*firewall.fast_path) return firewall.fast_path.loc;
    for (const auto& z : zones)
        if (z.fast_path && **z.fast_path) return z.fast_path->loc;
    return std::nullopt;
}

const AddressSet* Config::find_set(std::string_view name) const {
    return find_named(sets, name);
}

std::vector<net::Prefix> Config::prefixes_of(const AddressMatch& match, net::Family family) const {
    std::vector<net::Prefix> out;
    for (const auto& p : match.prefixes)
        if (p->address.family == family) out.push_back(*p);
    for (const auto& name : match.sets)
        if (const auto* set = find_set(*name))
            for (const auto& p : set->elements)
                if (p->address.family == family) out.push_back(*p);
    return out;
}

std::vector<net::Prefix> Config::zone_prefixes(const Zone& zone, net::Family family) const {
    auto out = prefixes_of(zone.networks, family);
    for (const auto& name : zone.interfaces)
        if (const auto* iface = find_interface(*name))
            for (const auto& a : iface->addresses)
                if (a->address.family == family) out.push_back(*a);
    return out;
}

}  // namespace gw::config

namespace gw::config {

net::Family VrrpInstance::family() const {
    return virtual_addresses.empty() ? net::Family::ipv4 : virtual_addresses.front().value.address.family;
}

bool Ha::follows_role(std::string_view uplink) const {
    return std::any_of(only_on_master.begin(), only_on_master.end(),
                       [&](const Name& n) { return n.value == uplink; });
}

}  // namespace gw::config
