// Checks on the whole file that are not plain references: unique names of
// list entries, unique routing tables, an input policy that would lock the
// operator out, and (when the host is known) users and groups that do not
// exist here.
#include <algorithm>
#include <map>
#include <memory_resource>
#include <unordered_map>

#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

// Names of list entries (forwards, rules, egress rules) share one space per
// kind: they label counters in `gwctl status`.
class UniqueNames {
public:
    UniqueNames(Reader& r, std::string kind) : r_(r), kind_(std::move(kind)) {}
    // `path()` makes the name's YAML path, only for a duplicate: 10,000
    // forwards would otherwise build 10,000 paths that nothing prints.
    template <class PathFn>
    void add(const Name& n, PathFn&& path) {
        if (n.value.empty()) return;
        auto [it, fresh] = seen_.emplace(n.value, n.loc);
        if (!fresh)
            r_.error(n.loc, path(), "duplicate " + kind_ + " name '" + n.value + "'",
                     "first used at line " + std::to_string(it->second.line));
    }

private:
    Reader& r_;
    std::string kind_;
    // Nodes from one pool, freed together: a node allocated and freed for
    // each of 10,000 forward names was most of checking them.
    std::pmr::monotonic_buffer_resource pool_;
    std::pmr::unordered_map<std::string_view, Loc> seen_{&pool_};  // views of the names in the Config
};

void check_unique_names(Reader& r, const Config& cfg) {
    UniqueNames forwards(r, "forward");
    for (std::size_t i = 0; i < cfg.nat.forwards.size(); ++i)
        forwards.add(cfg.nat.forwards[i].name, [&] { return join_path(join_path("nat.forwards", i), "name"); });
    UniqueNames rules(r, "rule");
    auto add_rules = [&](const std::vector<FirewallRule>& list, const std::string& path) {
        for (std::size_t i = 0; i < list.size(); ++i)
            rules.add(list[i].name, [&] { return join_path(join_path(path, i), "name"); });
    };
    add_rules(cfg.firewall.input.rules, "firewall.input.rules");
    add_rules(cfg.firewall.forward.rules, "firewall.forward.rules");
    add_rules(cfg.firewall.output.rules, "firewall.output.rules");
    if (cfg.ipv6.bridge_split) add_rules(cfg.ipv6.bridge_split->inbound, "ipv6.bridge-split.allow-inbound");
    UniqueNames egress(r, "egress rule");
    for (std::size_t i = 0; i < cfg.egress.size(); ++i)
        egress.add(cfg.egress[i].name, [&] { return join_path(join_path("egress", i), "name"); });
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

// gatewayd resolves the names when it applies and refuses the whole config
// while one is missing; `gwctl check` says so early, on the host it runs on.
void check_owner_names(Reader& r, const Names& names, const std::string& path, bool user,
                       const HostFacts& host) {
    const char* kind = user ? "user" : "group";
    for (const auto& n : names)
        if (!(user ? host.user_exists(n.value) : host.group_exists(n.value)))
            r.warning(n.loc, path, "unknown " + std::string(kind) + " '" + n.value + "' on this host",
                      "gatewayd will not apply this config until the " + std::string(kind) + " exists");
}

void check_accounts(Reader& r, const Config& cfg, const HostFacts& host) {
    for (std::size_t i = 0; i < cfg.egress.size(); ++i) {
        auto path = join_path("egress", i);
        const auto& e = cfg.egress[i];
        check_owner_names(r, e.users, join_path(path, "users"), true, host);
        check_owner_names(r, e.groups, join_path(path, "groups"), false, host);
        check_owner_names(r, e.deny_users, join_path(path, "deny-users"), true, host);
        check_owner_names(r, e.deny_groups, join_path(path, "deny-groups"), false, host);
    }
}

// Egress rules and firewall.output rules both land in the output chain,
// and status sums counters by chain and rule name: one name, one line.
void check_output_names(Reader& r, const Config& cfg) {
    for (std::size_t i = 0; i < cfg.egress.size(); ++i) {
        const Name& n = cfg.egress[i].name;
        for (const auto& rule : cfg.firewall.output.rules)
            if (!n.value.empty() && rule.name.value == n.value)
                r.error(n.loc, join_path(join_path("egress", i), "name"),
                        "egress rule name '" + n.value + "' is also a firewall.output rule name",
                        "both count in the output chain; give one of them another name");
    }
}

}  // namespace

void validate_semantics(Reader& r, const Config& cfg, const HostFacts* host) {
    check_unique_names(r, cfg);
    check_tables(r, cfg);
    check_lockout(r, cfg);
    check_output_names(r, cfg);
    if (host) check_accounts(r, cfg, *host);
}

}  // namespace gw::config
