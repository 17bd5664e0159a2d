// Checks on the whole file that are not plain references: unique names of
// list entries, unique routing tables, an input policy that would lock the
// operator out, and (when the host is known) users and groups that do not
// exist here.
#include <algorithm>
#include <map>

#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

// Names of list entries (forwards, rules, egress rules) share one space per
// kind: they label counters in `gwctl status`.
class UniqueNames {
public:
    UniqueNames(Reader& r, std::string kind) : r_(r), kind_(std::move(kind)) {}
    void add(const Name& n, const std::string& path) {
        if (n.value.empty()) return;
        auto [it, fresh] = seen_.emplace(n.value, n.loc);
        if (!fresh)
            r_.error(n.loc, path, "duplicate " + kind_ + " name '" + n.value + "'",
                     "first used at line " + std::to_string(it->second.line));
    }

private:
    Reader& r_;
    std::string kind_;
    std::map<std::string, Loc> seen_;
};

void check_unique_names(Reader& r, const Config& cfg) {
    UniqueNames forwards(r, "forward");
    for (std::size_t i = 0; i < cfg.nat.forwards.size(); ++i)
        forwards.add(cfg.nat.forwards[i].name, join_path(join_path("nat.forwards", i), "name"));
    UniqueNames rules(r, "rule");
    auto add_rules = [&](const std::vector<FirewallRule>& list, const std::string& path) {
        for (std::size_t i = 0; i < list.size(); ++i) rules.add(list[i].name, join_path(join_path(path, i), "name"));
    };
    add_rules(cfg.firewall.input.rules, "firewall.input.rules");
    add_rules(cfg.firewall.forward.rules, "firewall.forward.rules");
    add_rules(cfg.firewall.output.rules, "firewall.output.rules");
    if (cfg.ipv6.bridge_split) add_rules(cfg.ipv6.bridge_split->inbound, "ipv6.bridge-split.allow-inbound");
    UniqueNames egress(r, "egress rule");
    for (std::size_t i = 0; i < cfg.egress.size(); ++i)
        egress.add(cfg.egress[i].name, join_path(join_path("egress", i), "name"));
}

void check_tables(Reader& r, const Config& cfg) {
    std::map<std::uint32_t, const Uplink*> seen;
    for (const auto& up : cfg.uplinks) {
        if (!up.table) continue;
        auto [it, fresh] = seen.emplace(up.table->value, &up);
        if (!fresh)
            r.error(up.table->loc, join_path(join_path("uplinks", up.name.value), "table"),
                    "routing table " + std::to_string(up.table->value) + " is already used by uplink '" +
                        it->second->name.value + "'");
    }
}

// A rule that opens the gateway to something beyond ping.
bool opens_gateway(const FirewallRule& rule) {
    return rule.action.value == Action::allow && rule.proto.value != Proto::icmp && rule.proto.value != Proto::icmpv6;
}

void check_lockout(Reader& r, const Config& cfg) {
    const ChainSpec& in = cfg.firewall.input;
    if (in.policy.value != Policy::drop || r.has_error_at("firewall.input.policy")) return;
    if (std::any_of(in.rules.begin(), in.rules.end(), opens_gateway)) return;
    r.warning(in.policy.loc.known() ? in.policy.loc : in.loc, "firewall.input.policy",
              "lockout: input policy is drop and no rule allows any zone to reach the gateway",
              "allow management from the inside, e.g. {action: allow, from: lan, proto: tcp, port: 22}");
}

void check_accounts(Reader& r, const Config& cfg, const HostFacts& host) {
    for (std::size_t i = 0; i < cfg.egress.size(); ++i) {
        auto path = join_path("egress", i);
        for (const auto& u : cfg.egress[i].users)
            if (!host.user_exists(u.value))
                r.warning(u.loc, join_path(path, "users"), "unknown user '" + u.value + "' on this host",
                          "the rule refuses everybody until the user exists");
        for (const auto& g : cfg.egress[i].groups)
            if (!host.group_exists(g.value))
                r.warning(g.loc, join_path(path, "groups"), "unknown group '" + g.value + "' on this host",
                          "the rule refuses everybody until the group exists");
    }
}

}  // namespace

void validate_semantics(Reader& r, const Config& cfg, const HostFacts* host) {
    check_unique_names(r, cfg);
    check_tables(r, cfg);
    check_lockout(r, cfg);
    if (host) check_accounts(r, cfg, *host);
}

}  // namespace gw::config
