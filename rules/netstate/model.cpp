#include "rules/netstate/model.hpp"

#include <algorithm>

namespace gw::netstate {

const Link* NetState::find_link(std::string_view name) const {
    auto it = std::find_if(links.begin(), links.end(), [&](const Link& l) { return l.name == name; });
    return it == links.end() ? nullptr : &*it;
}

LinkKey key_of(const Link& l) { return {l.name}; }
AddressKey key_of(const Address& a) { return {a.ifname, a.prefix}; }
RouteKey key_of(const Route& r) { return {r.family(), r.table, r.destination, r.metric}; }
RuleKey key_of(const Rule& r) {
    return {r.family, r.priority, r.fwmark, r.fwmark ? r.fwmask : 0, r.from, r.iif, r.table, r.action,
            r.suppress_prefixlen};
}
SysctlKey key_of(const Sysctl& s) { return {s.path}; }

bool same(const Link& a, const Link& b) {
    return a.name == b.name && a.kind == b.kind && a.master == b.master && a.mtu == b.mtu &&
           a.up == b.up && a.owned == b.owned && a.tunnel == b.tunnel;
}
bool same(const Address& a, const Address& b) { return key_of(a) == key_of(b); }
bool same(const Route& a, const Route& b) {
    return key_of(a) == key_of(b) && a.gateway == b.gateway && a.ifname == b.ifname &&
           a.protocol == b.protocol && a.type == b.type;
}
bool same(const Rule& a, const Rule& b) { return key_of(a) == key_of(b); }
bool same(const Sysctl& a, const Sysctl& b) { return a.path == b.path && a.value == b.value; }

}  // namespace gw::netstate
