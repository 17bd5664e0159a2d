// Cross-references by name: zones to interfaces and uplinks, address lists
// to sets, rules to zones, forwards and routing to uplinks. An undefined
// name is an error with the closest defined name as a hint.
#include <algorithm>
#include <map>

#include "rules/config/sections.hpp"
#include "rules/config/suggest.hpp"

namespace gw::config {

namespace {

template <class T>
std::vector<std::string> names_of(const std::vector<T>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.name.value);
    return out;
}

class RefChecker {
public:
    RefChecker(Reader& r, const Config& cfg)
        : r_(r), interfaces_(names_of(cfg.interfaces)), uplinks_(names_of(cfg.uplinks)),
          zones_(names_of(cfg.zones)), sets_(names_of(cfg.sets)) {}

    void interface(const Name& n, const std::string& path) { check(n, path, "interface", interfaces_); }
    void uplink(const Name& n, const std::string& path) { check(n, path, "uplink", uplinks_); }
    void zone(const Name& n, const std::string& path) { check(n, path, "zone", zones_); }
    void sets(const AddressMatch& m, const std::string& path) {
        for (const auto& s : m.sets) check(s, path, "set", sets_);
    }
    // masquerade: `from` names are zones or sets; masquerade `to` and
    // firewall `from`/`to` name zones or uplinks.
    void zone_or_set(const Name& n, const std::string& path) {
        either(n, path, "zone or set", zones_, sets_, "name one defined under zones: or sets:");
    }
    void zone_or_uplink(const Name& n, const std::string& path) {
        either(n, path, "zone or uplink", zones_, uplinks_,
               "name a zone, or an uplink for that uplink's interface alone");
    }

private:
    static bool has(const std::vector<std::string>& v, const std::string& s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    }

    void check(const Name& n, const std::string& path, std::string_view kind, const std::vector<std::string>& defined) {
        if (n.value.empty() || has(defined, n.value)) return;
        r_.error(n.loc, path, "undefined " + std::string(kind) + " '" + n.value + "'", did_you_mean(n.value, defined));
    }

    void either(const Name& n, const std::string& path, std::string_view kind, const std::vector<std::string>& a,
                const std::vector<std::string>& b, std::string_view otherwise) {
        if (n.value.empty() || has(a, n.value) || has(b, n.value)) return;
        std::vector<std::string> all(a);
        all.insert(all.end(), b.begin(), b.end());
        auto hint = did_you_mean(n.value, all);
        if (hint.empty()) hint = otherwise;
        r_.error(n.loc, path, "undefined " + std::string(kind) + " '" + n.value + "'", hint);
    }

    Reader& r_;
    std::vector<std::string> interfaces_, uplinks_, zones_, sets_;
};

// An interface or uplink belongs to at most one zone: the zone of a packet
// is decided by the link it crosses.
void check_zone_members(Reader& r, const Config& cfg) {
    std::map<std::string, std::string> owner;
    for (const auto& z : cfg.zones) {
        auto claim = [&](const Name& member, std::string_view kind) {
            auto [it, fresh] = owner.emplace(std::string(kind) + ":" + member.value, z.name.value);
            if (!fresh && it->second != z.name.value)
                r.error(member.loc, join_path("zones", z.name.value),
                        std::string(kind) + " '" + member.value + "' is already in zone '" + it->second + "'",
                        "a link belongs to one zone");
        };
        for (const auto& i : z.interfaces) claim(i, "interface");
        for (const auto& u : z.uplinks) claim(u, "uplink");
    }
}

void check_rules(RefChecker& refs, const std::vector<FirewallRule>& rules, const std::string& path) {
    for (std::size_t i = 0; i < rules.size(); ++i) {
        auto p = join_path(path, i);
        for (const auto& z : rules[i].from) refs.zone_or_uplink(z, join_path(p, "from"));
        for (const auto& z : rules[i].to) refs.zone_or_uplink(z, join_path(p, "to"));
        refs.sets(rules[i].source, join_path(p, "source"));
        refs.sets(rules[i].destination, join_path(p, "destination"));
    }
}

void check_source_nat(RefChecker& refs, const std::vector<Masquerade>& list, std::string_view section) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto p = join_path(std::string(section), i);
        for (const auto& s : list[i].from.sets) refs.zone_or_set(s, join_path(p, "from"));
        for (const auto& t : list[i].to) refs.zone_or_uplink(t, join_path(p, "to"));
    }
}

void check_nat(RefChecker& refs, const Nat& nat) {
    check_source_nat(refs, nat.masquerade, "nat.masquerade");
    check_source_nat(refs, nat.snat, "nat.snat");
    for (std::size_t i = 0; i < nat.forwards.size(); ++i) {
        const auto& f = nat.forwards[i];
        // Most forwards name no set and no uplink: no paths to make for them.
        if (f.sources.sets.empty() && f.destinations.sets.empty() && f.uplinks.empty()) continue;
        auto p = join_path("nat.forwards", i);
        refs.sets(f.sources, join_path(p, "from"));
        refs.sets(f.destinations, join_path(p, "destination"));
        for (const auto& u : f.uplinks) refs.uplink(u, join_path(p, "uplink"));
    }
}

void check_routing(RefChecker& refs, const Routing& routing) {
    if (routing.default_uplink) refs.uplink(*routing.default_uplink, "routing.default");
    for (std::size_t i = 0; i < routing.pins.size(); ++i) {
        auto p = join_path("routing.pin", i);
        refs.sets(routing.pins[i].from, join_path(p, "from"));
        for (const auto& z : routing.pins[i].zones) refs.zone(z, join_path(p, "zone"));
        refs.uplink(routing.pins[i].uplink, join_path(p, "uplink"));
    }
}

void check_zone_set_clash(Reader& r, const Config& cfg) {
    for (const auto& z : cfg.zones) {
        const AddressSet* s = cfg.find_set(z.name.value);
        if (s && !s->builtin)
            r.error(s->loc, join_path("sets", s->name.value), "set '" + s->name.value + "' has the name of a zone",
                    "zones and sets are named in the same places; rename one");
    }
}

}  // namespace

void validate_refs(Reader& r, const Config& cfg) {
    RefChecker refs(r, cfg);
    for (const auto& z : cfg.zones) {
        auto p = join_path("zones", z.name.value);
        for (const auto& i : z.interfaces) refs.interface(i, join_path(p, "interfaces"));
        for (const auto& u : z.uplinks) refs.uplink(u, join_path(p, "uplinks"));
        refs.sets(z.networks, join_path(p, "networks"));
    }
    check_zone_members(r, cfg);
    check_zone_set_clash(r, cfg);
    check_nat(refs, cfg.nat);
    check_rules(refs, cfg.firewall.input.rules, "firewall.input.rules");
    check_rules(refs, cfg.firewall.forward.rules, "firewall.forward.rules");
    check_rules(refs, cfg.firewall.output.rules, "firewall.output.rules");
    if (cfg.ipv6.bridge_split) check_rules(refs, cfg.ipv6.bridge_split->inbound, "ipv6.bridge-split.allow-inbound");
    for (std::size_t i = 0; i < cfg.egress.size(); ++i)
        refs.sets(cfg.egress[i].destination, join_path(join_path("egress", i), "destination"));
    check_routing(refs, cfg.routing);
}

}  // namespace gw::config
