// routing -> IPv4 policy rules in gatewayd's priority band (owner.hpp):
// main without its default route first, so LAN and connected routes always
// win; then each uplink's connection mark, each uplink's current address
// (compiled from the facts, so the rule follows a reconnect) and the pins,
// each pin followed by an `unreachable` rule when it must not fall back.
#include <algorithm>

#include "rules/config/uplink_kinds.hpp"
#include "rules/marks.hpp"
#include "rules/netstate/compile_parts.hpp"
#include "rules/netstate/owner.hpp"

namespace gw::netstate::detail {
namespace {

using Tables = std::map<std::string, std::uint32_t, std::less<>>;

Rule lookup(std::uint32_t priority, std::uint32_t table, config::Loc loc) {
    Rule r;
    r.priority = priority;
    r.table = table;
    r.loc = loc;
    return r;
}

// A pin's IPv4 sources as networks, in config order, each once.
std::vector<net::Prefix> pin_sources(const config::Config& cfg, const config::Pin& pin) {
    auto all = cfg.prefixes_of(pin.from, net::Family::ipv4);
    for (const auto& name : pin.zones)
        if (const auto* zone = cfg.find_zone(*name)) {
            auto nets = cfg.zone_prefixes(*zone, net::Family::ipv4);
            all.insert(all.end(), nets.begin(), nets.end());
        }
    std::vector<net::Prefix> out;
    for (const auto& p : all)
        if (std::find(out.begin(), out.end(), p.network()) == out.end()) out.push_back(p.network());
    return out;
}

void compile_marks(const config::Config& cfg, const Tables& tables, NetState& out) {
    auto marks = rules::uplink_marks(cfg);
    std::uint32_t priority = kRulePriorityMarks;
    for (const auto& u : cfg.uplinks) {
        auto mark = marks.find(u.name.value);
        if (mark == marks.end()) continue;
        Rule r = lookup(priority++, tables.at(u.name.value), u.loc);
        r.fwmark = mark->second;
        r.fwmask = rules::kUplinkMarkMask;
        out.rules.push_back(r);
    }
}

void compile_addresses(const config::Config& cfg, const Tables& tables, const rules::Facts& facts,
                       NetState& out) {
    std::uint32_t priority = kRulePriorityAddresses;
    for (const auto& u : cfg.uplinks)
        for (const auto& a : rules::uplink_ipv4_addresses(cfg, u, facts)) {
            // More addresses than the slot holds would run into the pins.
            if (priority >= kRulePriorityPins) return;
            Rule r = lookup(priority++, tables.at(u.name.value), u.loc);
            r.from = net::Prefix{a, a.bits()};
            out.rules.push_back(r);
        }
}

// A pin's rules share its priorities: they all lead to the same table (or
// all refuse), so their order among themselves does not matter.
void compile_pins(const config::Config& cfg, const Tables& tables, NetState& out) {
    for (std::size_t i = 0; i < cfg.routing.pins.size() && i < kMaxPins; ++i) {
        const auto& pin = cfg.routing.pins[i];
        auto table = tables.find(pin.uplink.value);
        if (table == tables.end()) continue;
        auto priority = static_cast<std::uint32_t>(kRulePriorityPins + 2 * i);
        for (const auto& from : pin_sources(cfg, pin)) {
            Rule r = lookup(priority, table->second, pin.loc);
            r.from = from;
            out.rules.push_back(r);
            if (pin.fallback.value != config::PinFallback::drop) continue;
            r.priority = priority + 1;
            r.action = RuleAction::unreachable;
            r.table = 0;
            r.loc = pin.fallback.loc.known() ? pin.fallback.loc : pin.loc;
            out.rules.push_back(r);
        }
    }
}

}  // namespace

void compile_rules(const config::Config& cfg, const rules::Facts& facts, NetState& out) {
    bool several = cfg.uplinks.size() > 1;
    if (!several && cfg.routing.pins.empty()) return;
    auto tables = uplink_tables(cfg);
    std::size_t before = out.rules.size();
    compile_marks(cfg, tables, out);
    if (several) compile_addresses(cfg, tables, facts, out);
    compile_pins(cfg, tables, out);
    if (out.rules.size() == before) return;
    Rule main = lookup(kRulePrioritySuppress, kTableMain, config::Loc{});
    main.suppress_prefixlen = 0;
    main.loc = cfg.routing.pins.empty() ? cfg.uplinks.front().loc : cfg.routing.pins.front().loc;
    out.rules.insert(out.rules.begin() + static_cast<std::ptrdiff_t>(before), main);
}

}  // namespace gw::netstate::detail
