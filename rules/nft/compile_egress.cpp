// egress (owner rules) -> output-chain rules on meta skuid/skgid. Each rule
// refuses new connections to its destination from sockets whose owner is
// not allowed (allow form: in none of users/groups; deny form: in one of
// deny-users/deny-groups); it never accepts, so everything it does not
// refuse goes on through the rest of the output chain. Uids/gids come from
// Facts::uids/gids, which the caller resolved before compiling.
#include <algorithm>
#include <limits>

#include "rules/nft/compile_context.hpp"
#include "rules/nft/keys.hpp"

namespace gw::rules::detail {

using nft::Key;

namespace {

using IdMap = std::map<std::string, std::uint32_t, std::less<>>;

// Names the facts do not resolve are left out: the daemon and gwctl refuse
// to compile with a missing account (resolve_owners), so this only guards
// against a caller that skipped that step.
std::vector<nft::Value> resolved_ids(const config::Names& names, const IdMap& ids) {
    std::vector<nft::Value> out;
    for (const auto& n : names) {
        auto it = ids.find(*n);
        if (it == ids.end()) continue;
        nft::Value v = std::uint64_t{it->second};
        if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
    }
    return out;
}

nft::Stmt not_in(Key key, std::vector<nft::Value> values) {
    auto stmt = in_values(key, std::move(values));
    if (auto* c = std::get_if<nft::Cmp>(&stmt)) c->negate = true;
    if (auto* l = std::get_if<nft::Lookup>(&stmt)) l->negate = true;
    return stmt;
}

// The owner part of each nft rule. meta skuid/skgid do not match a packet
// without a socket (resets and ICMP errors the kernel sends itself), so
// those are never refused here, in either form.
Alternatives owner_alternatives(const Context& ctx, const config::EgressRule& rule) {
    const auto& facts = ctx.facts();
    bool deny = rule.deny_form();
    auto uids = resolved_ids(deny ? rule.deny_users : rule.users, facts.uids);
    auto gids = resolved_ids(deny ? rule.deny_groups : rule.groups, facts.gids);
    Alternatives out;
    if (deny) {
        // Refused when either matches: nft has no "or", so one rule each.
        if (!uids.empty()) out.push_back({in_values(Key::meta_skuid, std::move(uids))});
        if (!gids.empty()) out.push_back({in_values(Key::meta_skgid, std::move(gids))});
        return out;
    }
    std::vector<nft::Stmt> owner;
    if (!uids.empty()) owner.push_back(not_in(Key::meta_skuid, std::move(uids)));
    if (!gids.empty()) owner.push_back(not_in(Key::meta_skgid, std::move(gids)));
    // Allowing nobody that resolved means refusing every socket owner
    // (still not the socketless packets): fail closed.
    if (owner.empty())
        owner.push_back(cmp(Key::meta_skuid, nft::IntRange{0, std::numeric_limits<std::uint32_t>::max()}));
    out.push_back(std::move(owner));
    return out;
}

// meta nfproto and the destination per family; nothing when the rule is
// for both families and names no address.
Alternatives destination_alternatives(Context& ctx, const config::EgressRule& rule) {
    Families fam = config_families(*rule.family) & address_families(ctx, rule.destination);
    if (fam.all() && rule.destination.empty()) return {{}};
    Alternatives out;
    for (auto family : {net::Family::ipv4, net::Family::ipv6}) {
        bool v4 = family == net::Family::ipv4;
        if (!(v4 ? fam.v4 : fam.v6)) continue;
        if (rule.destination.empty()) {
            out.push_back({nfproto(family)});
            continue;
        }
        for (auto& dst : address_alternatives(ctx, rule.destination, family, v4 ? Key::ip_daddr : Key::ip6_daddr))
            out.push_back({nfproto(family), std::move(dst)});
    }
    return out;
}

// Protocol and refusal: a reject answers TCP with a reset (the client sees
// "connection refused" at once) and UDP with ICMP administratively
// prohibited, so "both" splits into a rule per protocol.
struct Ending {
    config::Proto proto;
    nft::Stmt action;
};

std::vector<Ending> endings(const config::EgressRule& rule) {
    using config::Proto;
    if (*rule.action == config::EgressAction::drop) return {{*rule.proto, verdict(nft::VerdictKind::drop)}};
    auto reject = [](Proto p) {
        return Ending{p, nft::Reject{p == Proto::tcp ? nft::RejectKind::tcp_reset : nft::RejectKind::admin_prohibited}};
    };
    if (*rule.proto == Proto::tcp_udp) return {reject(Proto::tcp), reject(Proto::udp)};
    return {reject(*rule.proto)};
}

std::vector<nft::Rule> compile_egress_rule(Context& ctx, const config::EgressRule& rule) {
    auto alts = destination_alternatives(ctx, rule);
    auto owners = owner_alternatives(ctx, rule);
    std::vector<nft::Rule> out;
    for (const auto& end : endings(rule)) {
        auto matches = proto_matches(end.proto, rule.ports, {});
        matches.push_back(nft::AnyBits{Key::ct_state, nft::kCtStateNew});
        for (const auto& alt : product(product(alts, {matches}), owners)) {
            auto stmts = alt;
            stmts.push_back(counter());
            stmts.push_back(end.action);
            out.push_back(make_rule(std::move(stmts), *rule.name, rule.loc));
        }
    }
    return out;
}

}  // namespace

// The rules go right after "established,related": before the loopback
// accept (an owner rule for a local database must hold on lo too) and
// before the config's output rules (an output allow must not let a refused
// user through). They only refuse, so nothing after them is opened up.
void compile_egress(Context& ctx) {
    auto& rules = ctx.chain(kChainOutput).rules;
    auto at = std::find_if(rules.begin(), rules.end(),
                           [](const nft::Rule& r) { return r.comment != "gw:established"; });
    std::vector<nft::Rule> egress;
    for (const auto& rule : ctx.config().egress)
        for (auto& r : compile_egress_rule(ctx, rule)) egress.push_back(std::move(r));
    rules.insert(at, egress.begin(), egress.end());
}

}  // namespace gw::rules::detail
