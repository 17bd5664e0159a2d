#include "rules/explain/origin.hpp"

#include <vector>

namespace gw::explain {
namespace {

struct Anchor {
    config::Loc loc;
    std::string path;
};

bool before_or_at(config::Loc a, config::Loc b) {
    return a.line < b.line || (a.line == b.line && a.col <= b.col);
}

void add(std::vector<Anchor>& out, config::Loc loc, std::string path) {
    if (loc.known()) out.push_back({loc, std::move(path)});
}

std::string indexed(const std::string& base, std::size_t i) {
    return base + "[" + std::to_string(i) + "]";
}

void add_rules(std::vector<Anchor>& out, const std::vector<config::FirewallRule>& rules, const std::string& base) {
    for (std::size_t i = 0; i < rules.size(); ++i) add(out, rules[i].loc, indexed(base, i));
}

void add_chain(std::vector<Anchor>& out, const config::ChainSpec& spec, const std::string& name) {
    std::string base = "firewall." + name;
    add(out, spec.loc, base);
    add(out, spec.policy.loc, base + ".policy");
    add(out, spec.log.enabled.loc, base + ".log");
    add_rules(out, spec.rules, base + ".rules");
}

std::vector<Anchor> anchors(const config::Config& c) {
    std::vector<Anchor> out;
    for (const auto& i : c.interfaces) add(out, i.loc, "interfaces." + *i.name);
    for (const auto& u : c.uplinks) add(out, u.loc, "uplinks." + *u.name);
    for (const auto& z : c.zones) add(out, z.loc, "zones." + *z.name);
    for (const auto& s : c.sets) add(out, s.loc, "sets." + *s.name);
    for (std::size_t i = 0; i < c.nat.masquerade.size(); ++i)
        add(out, c.nat.masquerade[i].loc, indexed("nat.masquerade", i));
    for (std::size_t i = 0; i < c.nat.snat.size(); ++i) add(out, c.nat.snat[i].loc, indexed("nat.snat", i));
    for (std::size_t i = 0; i < c.nat.forwards.size(); ++i)
        add(out, c.nat.forwards[i].loc, indexed("nat.forwards", i));
    add(out, c.nat.hairpin.loc, "nat.hairpin");
    add(out, c.nat.mss_clamp.loc, "nat.mss-clamp");
    add(out, c.firewall.icmp_echo.loc, "firewall.icmp-echo");
    add_chain(out, c.firewall.input, "input");
    add_chain(out, c.firewall.forward, "forward");
    add_chain(out, c.firewall.output, "output");
    if (const auto& s = c.ipv6.bridge_split) {
        add(out, s->loc, "ipv6.bridge-split");
        add(out, s->fallback.loc, "ipv6.bridge-split.fallback");
        add_rules(out, s->inbound, "ipv6.bridge-split.allow-inbound");
    }
    for (std::size_t i = 0; i < c.egress.size(); ++i) add(out, c.egress[i].loc, indexed("egress", i));
    if (c.routing.default_uplink) add(out, c.routing.default_uplink->loc, "routing.default");
    add(out, c.routing.reply_via_ingress.loc, "routing.reply-via-ingress");
    for (std::size_t i = 0; i < c.routing.pins.size(); ++i) {
        add(out, c.routing.pins[i].loc, indexed("routing.pin", i));
        add(out, c.routing.pins[i].fallback.loc, indexed("routing.pin", i) + ".fallback");
    }
    return out;
}

}  // namespace

std::string origin_path(const config::Config& config, config::Loc loc) {
    if (!loc.known()) return "";
    auto all = anchors(config);
    const Anchor* best = nullptr;
    for (const auto& a : all) {
        if (!before_or_at(a.loc, loc)) continue;
        if (!best || before_or_at(best->loc, a.loc)) best = &a;
    }
    return best ? best->path : "";
}

}  // namespace gw::explain
