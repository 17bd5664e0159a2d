#include "rules/explain/walk.hpp"

#include <algorithm>

#include "rules/config/uplink_kinds.hpp"
#include "rules/explain/nft_eval.hpp"
#include "rules/explain/origin.hpp"
#include "rules/netstate/compile.hpp"
#include "rules/nft/compile.hpp"
#include "rules/nft/render.hpp"
#include "rules/split_path.hpp"

namespace gw::explain {

const char* outcome_name(Outcome o) {
    switch (o) {
    case Outcome::delivered: return "delivered";
    case Outcome::dropped: return "dropped";
    case Outcome::rejected: return "rejected";
    case Outcome::unreachable: return "unreachable";
    }
    return "";
}

namespace {

std::string chain_of(config::ChainKind k) {
    switch (k) {
    case config::ChainKind::input: return "input";
    case config::ChainKind::forward: return "forward";
    case config::ChainKind::output: return "output";
    }
    return "";
}

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;

// The uplinks' addresses as local addresses: a host route each, or the
// prefix length the caller knows (--uplink up=10.0.0.1/24), which also
// gives the connected network. An address the compiled state already
// holds (a next-hop uplink's, listed in `interfaces`) is not added again.
std::vector<LocalAddress> uplink_locals(const config::Config& cfg, const rules::Facts& facts,
                                        const std::vector<net::Prefix>& known, const netstate::NetState& net) {
    std::vector<LocalAddress> out;
    for (const auto& u : cfg.uplinks) {
        auto it = facts.uplink_addresses.find(*u.name);
        if (it == facts.uplink_addresses.end()) continue;
        for (const auto& a : it->second) {
            bool compiled = std::any_of(net.addresses.begin(), net.addresses.end(),
                                        [&](const netstate::Address& na) { return na.prefix.address == a; });
            if (compiled) continue;
            net::Prefix p{a, a.bits()};
            for (const auto& k : known)
                if (k.address == a) p = k;
            out.push_back({rules::uplink_ifname(u, facts), p, u.loc});
        }
    }
    return out;
}

struct Walker {
    const Model& model;
    Explanation& ex;
    Packet& p;
    RouteView view;

    void add(Step s) { ex.steps.push_back(std::move(s)); }

    std::string element_text(const nft::Table& table, const std::string& set_name, const nft::Element& el) const {
        const nft::Set* set = find_set(table, set_name);
        std::string out;
        for (std::size_t i = 0; i < el.key.size(); ++i)
            out += (i ? " . " : "") + (set && i < set->key.size() ? nft::render_value(set->key[i], el.key[i])
                                                                 : std::string("?"));
        for (std::size_t i = 0; i < el.data.size(); ++i)
            out += (i ? " . " : " : ") + (set && i < set->data.size() ? nft::render_value(set->data[i], el.data[i])
                                                                     : std::string("?"));
        if (!el.comment.empty()) out += " comment \"" + el.comment + "\"";
        return "@" + set_name + " element " + out;
    }

    // The rule (and element) of an effect as a Step, with its config line.
    Step effect_step(const std::string& stage, const nft::Table& table, const Effect& e, std::string verdict,
                     std::string detail) const {
        Step s{stage, std::move(verdict), std::move(detail), table_label(table) + " " + e.chain->name, "", "", {}};
        if (e.rule) s.rule = nft::render_rule(*e.rule, {}, &table);
        config::Loc loc = e.rule ? e.rule->origin : config::Loc{};
        if (e.element) {
            s.rule += "\n" + element_text(table, e.set, *e.element);
            if (e.element->origin.known() && element_decides(table, e.set)) loc = e.element->origin;
        }
        s.loc = loc;
        s.origin = origin_path(model.config, loc);
        return s;
    }

    // A map element or one with its own counter (a forward's) is a config
    // entry of its own; an element of a zone's or address set is only
    // what the rule matched, and the rule is the entry to name.
    static bool element_decides(const nft::Table& table, const std::string& set_name) {
        const nft::Set* s = find_set(table, set_name);
        return s && (!s->data.empty() || s->verdict_map || s->counter);
    }

    static std::string table_label(const nft::Table& t) {
        return std::string(t.family == nft::TableFamily::bridge ? "bridge " : "inet ") + t.name;
    }

    static std::string rule_name(const nft::Rule* r) {
        if (!r) return "";
        return r->comment;
    }

    std::string decision_text(const ChainRun& run, const nft::Chain& base) const {
        const nft::Chain& chain = run.decided.chain ? *run.decided.chain : base;  // a jump target decides
        std::string name = rule_name(run.decided.rule);
        std::string who = name.empty() ? "a rule" : name.starts_with("gw:") ? "built-in rule " + name.substr(3)
                                                                           : "rule " + name;
        if (run.decided.element && !run.decided.element->comment.empty())
            who += " (" + run.decided.element->comment + ")";
        switch (run.verdict) {
        case ChainVerdict::accept: return "accepted by " + chain.name + " " + who;
        case ChainVerdict::drop: return "dropped by " + chain.name + " " + who;
        case ChainVerdict::reject:
            return "rejected by " + chain.name + " " + who +
                   (run.reject == nft::RejectKind::tcp_reset ? " (TCP reset)" : " (ICMP admin-prohibited)");
        case ChainVerdict::policy: break;
        }
        return "";
    }

    // The policy's line: firewall.<chain>.policy for the filter chains,
    // else what the policy's own rule (counter/log) carries.
    config::Loc policy_loc(const nft::Table& table, const nft::Chain& chain) const {
        const auto& fw = model.config.firewall;
        if (table.family == nft::TableFamily::inet)
            for (const auto* spec : {&fw.input, &fw.forward, &fw.output})
                if (chain.name == chain_of(spec->kind))
                    return spec->policy.loc.known() ? spec->policy.loc : spec->loc;
        for (const auto& r : chain.rules)
            if (r.comment == rules::kCommentPolicy) return r.origin;
        return chain.origin;
    }

    // Runs one base chain; false when the packet ends there.
    bool run_chain(const std::string& stage, const nft::Table& table, const nft::Chain& chain) {
        ChainRun run = run_base_chain(table, chain, p, view);
        for (const auto& u : run.unknown)
            ex.notes.push_back("chain " + chain.name + " holds a statement explain cannot evaluate: " + u);
        for (const auto& e : run.effects) {
            bool nat = e.what.starts_with("DNAT") || e.what.starts_with("SNAT") || e.what.starts_with("masq");
            add(effect_step(stage, table, e, nat ? e.what.substr(0, e.what.find(' ')) : "mark", e.what));
        }
        bool nat_chain = chain.base->type == nft::ChainType::nat;
        if (run.verdict == ChainVerdict::policy) {
            bool drop = chain.base->policy == nft::ChainPolicy::drop;
            // An accept policy is worth a step only on the chains of firewall.*
            bool config_chain = std::any_of(chain.rules.begin(), chain.rules.end(),
                                            [](const nft::Rule& r) { return r.comment == rules::kCommentPolicy; });
            if (!drop && (!config_chain || table.family != nft::TableFamily::inet)) return true;
            config::Loc loc = policy_loc(table, chain);
            add(Step{stage, drop ? "policy drop" : "policy accept",
                     std::string(drop ? "no rule matched: dropped by the policy of " : "no rule matched: policy accept of ") +
                         chain.name,
                     table_label(table) + " " + chain.name, "", origin_path(model.config, loc), loc});
            if (drop) ex.outcome = Outcome::dropped;
            return !drop;
        }
        if (nat_chain && run.verdict == ChainVerdict::accept) return true;  // the NAT step is written
        bool pass = run.verdict == ChainVerdict::accept;
        std::string verdict = pass ? "accept" : run.verdict == ChainVerdict::drop ? "drop" : "reject";
        add(effect_step(stage, table, run.decided, verdict, decision_text(run, chain)));
        if (!pass) ex.outcome = run.verdict == ChainVerdict::drop ? Outcome::dropped : Outcome::rejected;
        return pass;
    }

    // Every base chain of `family` tables on `hook`, in priority order.
    bool run_hook(const std::string& stage, nft::Hook hook, bool bridge) {
        std::vector<std::pair<const nft::Table*, const nft::Chain*>> chains;
        for (const auto& t : model.ruleset.tables) {
            if ((t.family == nft::TableFamily::bridge) != bridge) continue;
            for (const auto& c : t.chains)
                if (c.base && c.base->hook == hook) chains.emplace_back(&t, &c);
        }
        std::stable_sort(chains.begin(), chains.end(),
                         [](const auto& a, const auto& b) { return a.second->base->priority < b.second->base->priority; });
        for (const auto& [t, c] : chains) {
            std::uint32_t mark = p.mark;
            if (!run_chain(stage, *t, *c)) return false;
            if (c->base->type == nft::ChainType::route && p.mark != mark && !reroute()) return false;
        }
        return true;
    }

    bool route_step(const RouteResult& r, const std::string& why) {
        Step s{"routing", "", "", "", "", "", {}};
        if (r.rule) s.rule = describe_rule(*r.rule);
        if (r.route) s.rule += (s.rule.empty() ? "" : "\n") + describe_route(*r.route);
        // gatewayd's policy rule (a pin, a mark) says more than the route it led to
        config::Loc loc = r.rule && r.rule->loc.known() ? r.rule->loc : r.route ? r.route->loc : config::Loc{};
        s.loc = loc;
        s.origin = origin_path(model.config, loc);
        switch (r.kind) {
        case RouteKind::local:
            s.verdict = "local";
            s.detail = why + p.daddr.str() + " is the gateway's own address: input";
            break;
        case RouteKind::unicast:
            s.verdict = "route";
            s.detail = why + "to " + p.daddr.str() + " out of " + r.oif + (r.via ? " via " + r.via->str() : "");
            break;
        case RouteKind::unreachable:
            s.verdict = "unreachable";
            s.detail = why + "an unreachable rule or route: the sender gets ICMP network unreachable";
            break;
        case RouteKind::none:
            s.verdict = "no route";
            s.detail = why + "no route to " + p.daddr.str() +
                       " in the routes gatewayd installs (a route it does not own may exist on the machine)";
            break;
        }
        add(std::move(s));
        if (r.kind == RouteKind::unreachable || r.kind == RouteKind::none) {
            ex.outcome = Outcome::unreachable;
            return false;
        }
        return true;
    }

    RouteResult lookup(bool with_source) const {
        RouteQuery q{p.daddr, with_source ? std::optional(p.saddr) : std::nullopt, p.mark, p.iif};
        return route_lookup(model.routing, q);
    }

    // A route-type output chain changed the mark: the kernel routes again.
    bool reroute() {
        RouteResult r = lookup(true);
        if (!route_step(r, "mark changed, routed again: ")) return false;
        p.oif = r.oif;
        return true;
    }

    void deliver(bool to_gateway) {
        ex.outcome = Outcome::delivered;
        ex.to_gateway = to_gateway;
        ex.out_link = p.oif;
    }

    // ---- paths ------------------------------------------------------------

    void local_input() {
        std::string in = p.iif;
        if (!run_hook("input", nft::Hook::input, false)) return;
        deliver(true);
        ex.out_link = in;
    }

    const netstate::Sysctl* sysctl(const std::string& path) const {
        for (const auto& s : model.net.sysctls)
            if (s.path == path) return &s;
        return nullptr;
    }

    // The IPv4 reverse-path filter gatewayd sets per link: strict (1) wants
    // the route back to the source to leave by the link the packet came
    // in on, loose (2) any route back. The route back uses the packet's
    // mark where src_valid_mark is on.
    bool reverse_path_ok() {
        if (p.family != net::Family::ipv4 || p.iif.empty() || p.iif == "lo") return true;
        const auto* rp = sysctl("net/ipv4/conf/" + p.iif + "/rp_filter");
        if (!rp || rp->value == "0") return true;
        const auto* valid_mark = sysctl("net/ipv4/conf/all/src_valid_mark");
        std::uint32_t mark = valid_mark && valid_mark->value == "1" ? p.mark : 0;
        RouteResult back = route_lookup(model.routing, RouteQuery{p.saddr, p.daddr, mark, ""});
        bool ok = rp->value == "1" ? back.kind == RouteKind::unicast && back.oif == p.iif
                                   : back.kind == RouteKind::unicast || back.kind == RouteKind::local;
        if (ok) return true;
        add(Step{"routing", "drop",
                 "dropped by the reverse-path filter (rp_filter=" + rp->value + " on " + p.iif + "): the route back to " +
                     p.saddr.str() + (back.kind == RouteKind::unicast ? " leaves by " + back.oif : " does not exist"),
                 "", "sysctl net.ipv4.conf." + p.iif + ".rp_filter = " + rp->value, origin_path(model.config, rp->loc),
                 rp->loc});
        ex.outcome = Outcome::dropped;
        return false;
    }

    void forwarded() {
        RouteResult r = lookup(true);
        // What stays on the link it came in on is switched by the LAN
        // bridge (seen by the forward hook through br_netfilter), not
        // routed: no reverse-path check applies.
        bool same_link = r.kind == RouteKind::unicast && r.oif == p.iif;
        if (!same_link && !reverse_path_ok()) return;
        if (r.kind == RouteKind::local) {
            route_step(r, "");
            local_input();
            return;
        }
        if (!route_step(r, "")) return;
        p.oif = r.oif;
        if (!run_hook("forward", nft::Hook::forward, false)) return;
        if (!run_hook("postrouting", nft::Hook::postrouting, false)) return;
        deliver(false);
    }

    void from_outside() {
        if (!run_hook("prerouting", nft::Hook::prerouting, false)) return;
        forwarded();
    }

    void from_gateway(bool bound) {
        p.iif.clear();
        RouteResult r = lookup(bound);
        if (!route_step(r, "")) return;
        p.oif = r.oif;
        if (!bound) {  // an unbound socket takes the source the route gives it
            if (r.kind == RouteKind::local) p.saddr = p.daddr;
            else if (auto src = model.routing.source_for(r.oif, r.via.value_or(p.daddr))) p.saddr = *src;
        }
        ex.initial.saddr = p.saddr;
        if (!run_hook("output", nft::Hook::output, false)) return;
        if (!run_hook("postrouting", nft::Hook::postrouting, false)) return;
        if (r.kind != RouteKind::local) {
            deliver(false);
            return;
        }
        p.iif = "lo";
        p.oif.clear();
        if (!run_hook("prerouting", nft::Hook::prerouting, false)) return;
        local_input();
    }

    // ---- the IPv6 bridge split ----------------------------------------------

    const config::BridgeSplit* split() const {
        return model.split_path == rules::SplitPath::none || model.split_path == rules::SplitPath::unsupported
                   ? nullptr
                   : &*model.config.ipv6.bridge_split;
    }

    bool is_split_port(const std::string& link) const {
        const auto* s = split();
        if (!s) return false;
        if (*s->outside == link) return true;
        return std::any_of(s->inside.begin(), s->inside.end(), [&](const auto& n) { return *n == link; });
    }

    // What the bridge forwards between its ports rather than hand to the
    // host: not brouted, not for the gateway, and IPv6 (the split's
    // purpose) or addressed to a host on the bridge's own segment; a
    // routed packet is sent to the gateway's MAC and goes up to the host.
    bool bridged(const config::BridgeSplit& s) const {
        if (p.broute || model.routing.is_local(p.daddr)) return false;
        if (p.family == net::Family::ipv6) return true;
        return std::any_of(model.routing.addresses.begin(), model.routing.addresses.end(), [&](const LocalAddress& a) {
            return a.ifname == *s.bridge && a.prefix.network().contains(p.daddr);
        });
    }

    // A frame on a split port: the bridge table's prerouting marks or
    // brouts it; IPv6 not for the gateway is bridged, the rest goes to the
    // host (on the port when brouted, else on the bridge).
    void from_split_port() {
        const auto& s = *split();
        std::string port = p.iif;
        p.ether_type = p.family == net::Family::ipv6 ? kEtherIpv6 : kEtherIpv4;
        if (!run_hook("bridge prerouting", nft::Hook::prerouting, true)) return;
        if (!bridged(s)) {
            if (!p.broute) {  // up the bridge to the host: the bridge input hook sees the port
                if (!run_hook("bridge input", nft::Hook::input, true)) return;
                p.iif = *s.bridge;
            }
            from_outside();
            return;
        }
        bool inbound = port == *s.outside;
        p.oif = inbound ? (s.inside.empty() ? "" : *s.inside.front()) : *s.outside;
        add(Step{"bridge", "bridge", std::string(p.family == net::Family::ipv6 ? "IPv6" : "IPv4") + " frame bridged from " + port + " to " + p.oif + " by " + *s.bridge, "", "",
                 origin_path(model.config, s.loc), s.loc});
        if (!run_hook("bridge forward", nft::Hook::forward, true)) return;
        if (rules::filters_in_inet(model.split_path)) {  // br_netfilter: the inet hooks see the bridge
            std::string out = p.oif;
            p.iif = p.oif = *s.bridge;
            if (!run_hook("forward", nft::Hook::forward, false)) return;
            p.oif = out;
        }
        deliver(false);
    }
};

}  // namespace

Model build_model(const config::Config& config, const rules::Facts& facts,
                  const std::vector<net::Prefix>& uplink_prefixes) {
    Model m{config, rules::compile_ruleset(config, facts), netstate::compile_netstate(config, facts), {},
            rules::choose_split_path(config, facts.kernel)};
    m.routing = build_routing(m.net, uplink_locals(config, facts, uplink_prefixes, m.net));
    return m;
}

std::vector<std::string> assume_uplinks_up(const config::Config& config, rules::Facts& facts) {
    std::vector<std::string> notes;
    int n = 0;
    for (const auto& u : config.uplinks) {
        ++n;
        if (config::uplink_kind(u).up != config::UplinkUp::when_addressed) continue;
        auto& addrs = facts.uplink_addresses[*u.name];
        if (!addrs.empty()) continue;
        auto a = net::Address::parse("100.64.0." + std::to_string(n));
        addrs.push_back(*a);
        notes.push_back("uplink " + *u.name + " is taken as up with address " + a->str() +
                        " (give its address with --uplink " + *u.name + "=ADDRESS)");
    }
    return notes;
}

Explanation walk(const Model& model, const Query& query) {
    Explanation ex;
    ex.initial = query.packet;
    Packet p = query.packet;
    Walker w{model, ex, p, {}};
    w.view.is_local = [&](const net::Address& a) { return model.routing.is_local(a); };
    w.view.source_for = [&](const std::string& oif, const net::Address& d) { return model.routing.source_for(oif, d); };
    if (query.from_gateway) w.from_gateway(query.bound_source);
    else if (w.is_split_port(p.iif)) w.from_split_port();
    else w.from_outside();
    ex.final = p;
    return ex;
}

}  // namespace gw::explain
