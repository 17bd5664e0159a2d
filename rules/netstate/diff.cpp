#include "rules/netstate/diff.hpp"

#include <algorithm>
#include <map>

#include "rules/netstate/owner.hpp"
#include "rules/netstate/render.hpp"

namespace gw::netstate {
namespace {

// The observed link seen through the desired one: fields the desired link
// leaves open are cleared, so only what gatewayd asks for is compared.
Link project(const Link& observed, const Link& desired) {
    Link p = observed;
    if (desired.kind.empty()) p.kind.clear();
    if (!desired.master) p.master.reset();
    if (!desired.mtu) p.mtu.reset();
    if (!desired.owned) p.owned = false;
    if (!desired.tunnel) p.tunnel.reset();
    p.owned_host_space = desired.owned_host_space;
    p.manage_addresses = desired.manage_addresses;
    p.vrrp_addresses = desired.vrrp_addresses;
    p.loc = desired.loc;
    return p;
}

void diff_links(const NetState& desired, const NetState& observed, std::vector<NetOp>& ops) {
    for (const auto& want : desired.links) {
        const Link* have = observed.find_link(want.name);
        if (!have) {
            ops.push_back({OpKind::add, want, std::nullopt});
            continue;
        }
        Link seen = project(*have, want);
        if (!same(seen, want)) ops.push_back({OpKind::change, want, seen});
    }
    // Links gatewayd made and the config no longer names (a bridge split
    // taken out of the config would otherwise keep bridging, unfiltered).
    for (const auto& have : observed.links)
        if (have.owned && !desired.find_link(have.name)) ops.push_back({OpKind::remove, have, std::nullopt});
}

// Add what is wanted and missing, change what sits in the same slot with
// other content, remove what is owned and no longer wanted. `owned` decides
// removal so a foreign object handed in by mistake is still left alone.
template <class T, class Owned>
void diff_keyed(const std::vector<T>& desired, const std::vector<T>& observed, Owned owned,
                std::vector<NetOp>& ops) {
    using Key = decltype(key_of(std::declval<const T&>()));
    std::map<Key, const T*> have;
    for (const auto& o : observed) have.emplace(key_of(o), &o);
    std::map<Key, const T*> want;
    for (const auto& d : desired) {
        if (!want.emplace(key_of(d), &d).second) continue;  // the first of duplicates wins
        auto it = have.find(key_of(d));
        if (it == have.end())
            ops.push_back({OpKind::add, d, std::nullopt});
        else if (!same(*it->second, d))
            ops.push_back({OpKind::change, d, *it->second});
    }
    for (const auto& o : observed)
        if (!want.contains(key_of(o)) && owned(o)) ops.push_back({OpKind::remove, o, std::nullopt});
}

}  // namespace

config::Loc NetOp::loc() const {
    return std::visit([](const auto& o) { return o.loc; }, object);
}

NetDiff diff_netstate(const NetState& desired, const NetState& observed) {
    NetDiff d;
    diff_links(desired, observed, d.ops);
    diff_keyed(desired.addresses, observed.addresses,
               [&](const Address& a) { return is_owned_address(a, desired); }, d.ops);
    diff_keyed(desired.routes, observed.routes, is_owned_route, d.ops);
    diff_keyed(desired.rules, observed.rules, is_owned_rule, d.ops);
    // Sysctls are set, never reset: there is no "owned" value to go back to.
    diff_keyed(desired.sysctls, observed.sysctls, [](const Sysctl&) { return false; }, d.ops);
    order_ops(d.ops);
    d.text = render_ops(d.ops);
    return d;
}

int op_phase(const NetOp& op) {
    bool removal = op.kind == OpKind::remove;
    return std::visit(
        [&](const auto& o) -> int {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, Link>) return 0;
            if constexpr (std::is_same_v<T, Sysctl>) return 1;
            if constexpr (std::is_same_v<T, Rule>) return removal ? 2 : 7;
            if constexpr (std::is_same_v<T, Route>) return removal ? 3 : 6;
            if constexpr (std::is_same_v<T, Address>) return removal ? 4 : 5;
            return 8;
        },
        op.object);
}

void order_ops(std::vector<NetOp>& ops) {
    std::stable_sort(ops.begin(), ops.end(),
                     [](const NetOp& a, const NetOp& b) { return op_phase(a) < op_phase(b); });
}

std::string render_object(const NetObject& o) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, Link>) return render_link(x);
            if constexpr (std::is_same_v<T, Address>) return render_address(x);
            if constexpr (std::is_same_v<T, Route>) return render_route(x);
            if constexpr (std::is_same_v<T, Rule>) return render_rule(x);
            if constexpr (std::is_same_v<T, Sysctl>) return render_sysctl(x);
        },
        o);
}

std::string render_op(const NetOp& op) {
    switch (op.kind) {
    case OpKind::add: return "+" + render_object(op.object) + "\n";
    case OpKind::remove: return "-" + render_object(op.object) + "\n";
    case OpKind::change:
        return "-" + render_object(op.before ? *op.before : op.object) + "\n+" +
               render_object(op.object) + "\n";
    }
    return {};
}

std::string render_ops(const std::vector<NetOp>& ops) {
    std::string out;
    for (const auto& op : ops) out += render_op(op);
    return out;
}

}  // namespace gw::netstate
