#include "daemon/status/status.hpp"
#include "rules/mape/uplink.hpp"

#include <algorithm>

#include "rules/config/uplink_kinds.hpp"
#include "rules/nft/compile.hpp"
#include "rules/split_path.hpp"

namespace gw::status {
namespace {

const nft::Counter* counter_of(const nft::Rule& r) {
    for (const auto& s : r.stmts)
        if (const auto* c = std::get_if<nft::Counter>(&s)) return c;
    return nullptr;
}

bool drops(const nft::Rule& r) {
    for (const auto& s : r.stmts) {
        if (std::holds_alternative<nft::Reject>(s)) return true;
        if (const auto* v = std::get_if<nft::Verdict>(&s); v && v->kind == nft::VerdictKind::drop)
            return true;
    }
    return false;
}

void add_counter(std::vector<CounterStatus>& list, const std::string& chain, const std::string& name,
                 const nft::Counter& c) {
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const CounterStatus& s) { return s.chain == chain && s.name == name; });
    if (it == list.end()) it = list.insert(list.end(), CounterStatus{chain, name, 0, 0});
    it->packets += c.packets;
    it->bytes += c.bytes;
}

// The IPv6 split's own drops: non-IPv6 across the split, router
// advertisements from the LAN, other frames from the outside port to the
// host (fallback path).
bool is_split_drop(std::string_view comment) {
    return comment == "gw:not-ipv6" || comment == "gw:ra-from-inside" || comment == "gw:outside-to-host";
}

// Drop classes: what a chain's policy gets, invalid packets, the IPv6
// split's drops (named without "gw:") and the config's own deny/reject
// rules. Other gatewayd-made rules ("gw:...") accept and are not shown.
void add_rule_counter(const nft::Chain& chain, const nft::Rule& r, StatusReport& out) {
    const auto* c = counter_of(r);
    if (!c || r.comment.empty()) return;
    if (r.comment == rules::kCommentPolicy) {
        add_counter(out.drops, chain.name, "policy", *c);
    } else if (r.comment == "gw:invalid") {
        add_counter(out.drops, chain.name, "invalid", *c);
    } else if (is_split_drop(r.comment) && drops(r)) {
        add_counter(out.drops, chain.name, r.comment.substr(3), *c);
    } else if (!r.comment.starts_with("gw:")) {
        add_counter(out.rules, chain.name, r.comment, *c);
        if (drops(r)) add_counter(out.drops, chain.name, r.comment, *c);
    }
}

bool is_forward_set(const nft::Set& s) {
    return s.counter && (s.name.starts_with("fwd4") || s.name.starts_with("fwd6"));
}

ForwardStatus& forward_entry(StatusReport& out, const std::string& name) {
    auto it = std::find_if(out.forwards.begin(), out.forwards.end(),
                           [&](const ForwardStatus& f) { return f.name == name; });
    if (it == out.forwards.end()) it = out.forwards.insert(out.forwards.end(), ForwardStatus{name});
    return *it;
}

// Map elements count DNAT lookups (the nat chain sees a connection's first
// packet only); allow-set elements count the forwarded traffic itself. Maps
// and sets are told apart by their data, not their names (fwd4_allow,
// fwd4_src_allow_tcp, fwd4, fwd4_range_tcp_via_isp ...).
void add_forward_set(const nft::Set& s, StatusReport& out) {
    bool allow = s.data.empty();
    for (const auto& e : s.elements) {
        if (e.comment.empty()) continue;
        auto& f = forward_entry(out, e.comment);
        if (allow) {
            f.packets += e.counter.packets;
            f.bytes += e.counter.bytes;
        } else {
            f.connections += e.counter.packets;
        }
    }
}

std::string link_state(const netstate::NetState& observed, const std::string& name) {
    const auto* l = observed.find_link(name);
    if (!l) return "absent";
    return l->up ? "up" : "down";
}

std::vector<std::string> address_strings(const AddressMap& addresses, const std::string& ifname,
                                         const std::vector<config::Located<net::Prefix>>* wanted) {
    std::vector<std::string> out;
    auto it = addresses.find(ifname);
    if (it == addresses.end()) return out;
    for (const auto& a : it->second) {
        std::string text = a.str();
        // Show the prefix length the config gave an address, when it names it.
        if (wanted)
            for (const auto& w : *wanted)
                if (w->address == a) text = w->str();
        out.push_back(text);
    }
    return out;
}

// A section switched off with `enabled: false` says so, whatever its
// link does: the operator asked for it to be down.
std::string uplink_state(const config::Uplink& u, const std::string& ifname,
                         const netstate::NetState& observed, const rules::Facts& facts) {
    if (!u.enabled.value) return "disabled";
    auto link = link_state(observed, ifname);
    if (config::uplink_kind(u).up == config::UplinkUp::always) return link;
    auto it = facts.uplink_addresses.find(u.name.value);
    bool addressed = it != facts.uplink_addresses.end() && !it->second.empty();
    if (link == "up" && addressed) return "up";
    return link == "absent" ? "down" : "connecting";
}

MapeStatus mape_status(const config::Uplink& u, const rules::Facts& facts) {
    MapeStatus m;
    m.br = u.map_e->br->str();
    m.legacy = *u.map_e->legacy;
    m.psid_length = static_cast<std::uint32_t>(mape::map_rule_of(*u.map_e).psid_length());
    auto ce = mape::live_ce(u, facts);
    if (!ce) return m;
    m.known = true;
    m.end_user_prefix = ce->end_user.str();
    m.ce_ipv4 = ce->ipv4.str();
    m.ce_ipv6 = ce->ipv6.str();
    m.psid = ce->psid;
    m.ports = ce->port_count();
    for (const auto& b : ce->blocks) m.blocks.push_back(std::to_string(b.first) + "-" + std::to_string(b.last));
    return m;
}

}  // namespace

void add_ruleset_counters(const nft::Ruleset& observed, StatusReport& out) {
    for (const auto& t : observed.tables) {
        for (const auto& c : t.chains)
            for (const auto& r : c.rules) add_rule_counter(c, r, out);
        for (const auto& s : t.sets)
            if (is_forward_set(s)) add_forward_set(s, out);
    }
}

void add_links(const config::Config& cfg, const rules::Facts& facts,
               const netstate::NetState& observed_links, const AddressMap& addresses,
               StatusReport& out) {
    for (const auto& i : cfg.interfaces) {
        auto state = i.enabled.value ? link_state(observed_links, i.device.value) : "disabled";
        out.interfaces.push_back({i.name.value, i.device.value, "", state,
                                  address_strings(addresses, i.device.value, &i.addresses)});
    }
    for (const auto& u : cfg.uplinks) {
        std::string ifname = rules::uplink_ifname(u, facts);
        out.uplinks.push_back({u.name.value, ifname, std::string(config::uplink_kind(u).name),
                               uplink_state(u, ifname, observed_links, facts),
                               address_strings(addresses, ifname, nullptr)});
        if (u.map_e) out.uplinks.back().mape = mape_status(u, facts);
    }
}

void order_forwards(const config::Config& cfg, StatusReport& out) {
    std::vector<ForwardStatus> ordered;
    for (const auto& f : cfg.nat.forwards) {
        auto it = std::find_if(out.forwards.begin(), out.forwards.end(),
                               [&](const ForwardStatus& s) { return s.name == f.name.value; });
        ordered.push_back(it != out.forwards.end() ? *it : ForwardStatus{f.name.value});
    }
    out.forwards = std::move(ordered);
}

std::string fast_path(const config::Config& cfg, const rules::KernelFeatures& k, const nft::Ruleset& observed) {
    if (!cfg.fast_path_switch()) return {};
    if (!k.flowtable) return "off: the kernel has no nf_flow_table; every forwarded packet takes the forward chain";
    for (const auto& t : observed.tables)
        for (const auto& f : t.flowtables) {
            if (t.name != nft::kTableName || f.name != "fastpath") continue;
            std::string devices;
            for (const auto& d : f.devices) devices += (devices.empty() ? "" : ", ") + d;
            return "on: flowtable " + f.name + " on " + devices +
                   "; offloaded flows skip the forward chain's counters and log";
        }
    return "off: no flowtable in the kernel yet (no forwarding link exists, or not applied)";
}

std::string split_path(const config::Config& cfg, const rules::KernelFeatures& k) {
    return std::string(rules::split_path_name(rules::choose_split_path(cfg, k)));
}

}  // namespace gw::status
