// firewall.input/forward/output -> the three filter base chains: their
// policy, the rules every router needs first (conntrack, loopback, the ICMP
// that IPv4 and IPv6 cannot work without), the config's rules in order,
// then ping as configured. compile_forwards() and compile_log() append the
// rest of each chain.
#include "rules/nft/compile_context.hpp"
#include "rules/nft/keys.hpp"

namespace gw::rules::detail {

using nft::Key;

std::string chain_name(config::ChainKind kind) {
    switch (kind) {
    case config::ChainKind::input: return std::string(kChainInput);
    case config::ChainKind::forward: return std::string(kChainForward);
    case config::ChainKind::output: return std::string(kChainOutput);
    }
    return {};
}

namespace {

// Errors that IPv4 needs end to end (PMTU discovery rides on
// destination-unreachable "fragmentation needed").
const std::vector<std::uint64_t> kIcmpErrors{3, 11, 12};
// IPv6 errors (packet-too-big is PMTU discovery) ...
const std::vector<std::uint64_t> kIcmpv6Errors{1, 2, 3, 4};
// ... and, to and from the router itself, neighbour discovery, router
// solicitation/advertisement (SLAAC on an uplink) and multicast listeners.
const std::vector<std::uint64_t> kIcmpv6Link{1, 2, 3, 4, 130, 131, 133, 134, 135, 136, 143};

nft::Rule icmp_rule(net::Family family, const std::vector<std::uint64_t>& types, const char* comment) {
    bool v4 = family == net::Family::ipv4;
    Key type_key = v4 ? Key::icmp_type : Key::icmpv6_type;
    std::vector<nft::Value> values(types.begin(), types.end());
    return make_rule({nfproto(family), cmp(Key::meta_l4proto, v4 ? nft::kProtoIcmp : nft::kProtoIcmpv6),
                      in_values(type_key, std::move(values)), counter(),
                      verdict(nft::VerdictKind::accept)},
                     comment, {});
}

void add_conntrack(nft::Chain& chain, bool drop_invalid) {
    chain.rules.push_back(make_rule({nft::AnyBits{Key::ct_state, nft::kCtStateEstablished |
                                                                     nft::kCtStateRelated},
                                     counter(), verdict(nft::VerdictKind::accept)},
                                    "gw:established", {}));
    if (drop_invalid)
        chain.rules.push_back(make_rule({nft::AnyBits{Key::ct_state, nft::kCtStateInvalid}, counter(),
                                         verdict(nft::VerdictKind::drop)},
                                        "gw:invalid", {}));
}

void add_loopback(nft::Chain& chain, Key key) {
    chain.rules.push_back(
        make_rule({cmp(key, std::string("lo")), counter(), verdict(nft::VerdictKind::accept)},
                  "gw:loopback", {}));
}

void add_icmp(nft::Chain& chain, bool link) {
    chain.rules.push_back(icmp_rule(net::Family::ipv4, kIcmpErrors, "gw:icmp"));
    chain.rules.push_back(icmp_rule(net::Family::ipv6, link ? kIcmpv6Link : kIcmpv6Errors, "gw:icmpv6"));
}

// Ping comes after the config's rules, so a rule that denies echo-request
// (from one zone, say) still decides; icmp-echo is the default answer.
void add_echo(const config::Firewall& fw, nft::Chain& chain) {
    if (!*fw.icmp_echo) return;
    auto v4 = icmp_rule(net::Family::ipv4, {8}, "gw:echo");
    auto v6 = icmp_rule(net::Family::ipv6, {128}, "gw:echo");
    v4.origin = v6.origin = fw.icmp_echo.loc;
    chain.rules.push_back(std::move(v4));
    chain.rules.push_back(std::move(v6));
}

std::string rule_comment(const config::ChainSpec& spec, const config::FirewallRule& rule,
                         std::size_t index) {
    if (!rule.name->empty()) return *rule.name;
    return chain_name(spec.kind) + "[" + std::to_string(index) + "]";
}

void compile_chain(Context& ctx, const config::ChainSpec& spec) {
    const auto& fw = ctx.config().firewall;
    auto& chain = ctx.chain(chain_name(spec.kind));
    chain.origin = spec.loc;
    chain.base->policy =
        *spec.policy == config::Policy::drop ? nft::ChainPolicy::drop : nft::ChainPolicy::accept;
    // Invalid packets are dropped where they enter; the router's own output
    // (its resets for unknown connections) is left alone.
    add_conntrack(chain, spec.kind != config::ChainKind::output);
    if (spec.kind == config::ChainKind::input) add_loopback(chain, Key::meta_iifname);
    if (spec.kind == config::ChainKind::output) add_loopback(chain, Key::meta_oifname);
    add_icmp(chain, spec.kind != config::ChainKind::forward);
    if (spec.kind == config::ChainKind::input) compile_ha_input(ctx, chain);
    for (std::size_t i = 0; i < spec.rules.size(); ++i) {
        const auto& rule = spec.rules[i];
        for (auto& r : compile_firewall_rule(ctx, rule, spec, rule_comment(spec, rule, i)))
            chain.rules.push_back(std::move(r));
    }
    add_echo(fw, chain);
}

}  // namespace

void compile_filter(Context& ctx) {
    const auto& fw = ctx.config().firewall;
    compile_chain(ctx, fw.input);
    compile_chain(ctx, fw.forward);
    compile_chain(ctx, fw.output);
}

}  // namespace gw::rules::detail
