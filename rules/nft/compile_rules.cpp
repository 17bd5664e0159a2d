// One firewall rule of the config -> nft rules. A config rule can mean
// several nft rules: one per address family its addresses imply, per zone
// or uplink in from/to, and per named set in source/destination (nft cannot "or" two
// sets in one rule). They all carry the config rule's name as comment, so
// status sums their counters back into one line.
#include "rules/nft/compile.hpp"
#include "rules/nft/compile_context.hpp"

namespace gw::rules::detail {

using nft::Key;

namespace {

// `from`/`to` name zones or uplinks (an uplink: its interface).
Alternatives zone_alternatives(const Context& ctx, Key key, const config::Names& names) {
    if (names.empty()) return {{}};
    Alternatives out;
    for (const auto& n : names) out.push_back({in_zone_or_uplink(ctx, key, *n)});
    return out;
}

Alternatives side_alternatives(Context& ctx, const config::AddressMatch& match, net::Family family,
                               Key key) {
    if (match.empty()) return {{}};
    Alternatives out;
    for (auto& stmt : address_alternatives(ctx, match, family, key)) out.push_back({std::move(stmt)});
    return out;
}

// The family part: nothing when the rule is for both families and names no
// address; otherwise "meta nfproto" per family with its address matches.
// Empty when no family fits (say, family ipv6 with only IPv4 sources).
Alternatives family_alternatives(Context& ctx, const config::FirewallRule& rule) {
    Families fam = config_families(*rule.family) & proto_families(*rule.proto) &
                   address_families(ctx, rule.source) & address_families(ctx, rule.destination);
    bool addresses = !rule.source.empty() || !rule.destination.empty();
    if (fam.all() && !addresses) return {{}};
    Alternatives out;
    for (auto family : {net::Family::ipv4, net::Family::ipv6}) {
        bool v4 = family == net::Family::ipv4;
        if (!(v4 ? fam.v4 : fam.v6)) continue;
        Alternatives alts{{nfproto(family)}};
        alts = product(alts, side_alternatives(ctx, rule.source, family,
                                               v4 ? Key::ip_saddr : Key::ip6_saddr));
        alts = product(alts, side_alternatives(ctx, rule.destination, family,
                                               v4 ? Key::ip_daddr : Key::ip6_daddr));
        out.insert(out.end(), alts.begin(), alts.end());
    }
    return out;
}

// What ends each nft rule of a config rule: its protocol match and verdict.
// A reject answers TCP with a reset and everything else with ICMP
// "administratively prohibited", so reject rules split by protocol.
struct Ending {
    config::Proto proto;
    std::vector<nft::Stmt> verdict;
};

std::vector<Ending> endings(const config::FirewallRule& rule) {
    using config::Proto;
    auto reject = [](nft::RejectKind k) { return std::vector<nft::Stmt>{counter(), nft::Reject{k}}; };
    auto proto = *rule.proto;
    switch (*rule.action) {
    case config::Action::allow: return {{proto, {counter(), verdict(nft::VerdictKind::accept)}}};
    case config::Action::deny: return {{proto, {counter(), verdict(nft::VerdictKind::drop)}}};
    case config::Action::reject: break;
    }
    if (proto == Proto::tcp) return {{Proto::tcp, reject(nft::RejectKind::tcp_reset)}};
    if (proto == Proto::tcp_udp)
        return {{Proto::tcp, reject(nft::RejectKind::tcp_reset)},
                {Proto::udp, reject(nft::RejectKind::admin_prohibited)}};
    if (proto == Proto::any)
        return {{Proto::tcp, reject(nft::RejectKind::tcp_reset)},
                {Proto::any, reject(nft::RejectKind::admin_prohibited)}};
    return {{proto, reject(nft::RejectKind::admin_prohibited)}};
}

std::vector<nft::Stmt> joined(std::vector<nft::Stmt> a, const std::vector<nft::Stmt>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

std::vector<nft::Rule> compile_firewall_rule(Context& ctx, const config::FirewallRule& rule,
                                             const config::ChainSpec& chain,
                                             const std::string& comment) {
    auto alts = product(zone_alternatives(ctx, Key::meta_iifname, rule.from),
                        zone_alternatives(ctx, Key::meta_oifname, rule.to));
    alts = product(alts, family_alternatives(ctx, rule));
    std::vector<nft::Rule> out;
    for (const auto& alt : alts) {
        // Logging is its own rule before the verdict: a limit that runs out
        // must stop the log line, never the verdict.
        if (*rule.log)
            out.push_back(make_rule(
                joined(joined(alt, proto_matches(*rule.proto, rule.ports, rule.icmp_types)),
                       {log_limit(chain.log), nft::Log{"gw-" + comment + ": ", kDropLogGroup}}),
                comment, rule.loc));
        for (const auto& end : endings(rule)) {
            auto stmts = joined(alt, proto_matches(end.proto, rule.ports, rule.icmp_types));
            out.push_back(make_rule(joined(std::move(stmts), end.verdict), comment, rule.loc));
        }
    }
    return out;
}

}  // namespace gw::rules::detail
