// The stateful IPv6 filter of the bridge split, built for whichever table
// runs it: the bridge table's forward hook (nf_conntrack_bridge) or the
// inet table's forward hook (br_netfilter, where bridged IPv6 shows up with
// the bridge as both input and output device). Either way the ingress-port
// mark set in bridge prerouting says which way a frame goes.
#include <algorithm>

#include "rules/nft/compile.hpp"
#include "rules/nft/compile_context.hpp"
#include "rules/nft/keys.hpp"
#include "rules/split_path.hpp"

namespace gw::rules::detail {

using nft::Key;

namespace {

constexpr std::uint64_t kEtherIpv6 = 0x86dd;
constexpr std::uint64_t kRouterAdvert = 134;
// Neighbour discovery: router solicitation/advertisement, neighbour
// solicitation/advertisement. Without them nothing on the LAN gets an
// address from the ISP or finds its router.
const std::vector<std::uint64_t> kNeighbourDiscovery{133, 134, 135, 136};
// Multicast listener query/report/done and MLDv2 reports: switches that
// snoop MLD stop forwarding ND multicast to hosts whose reports they miss.
const std::vector<std::uint64_t> kMulticastListener{130, 131, 132, 143};
// destination-unreachable, packet-too-big (path MTU discovery),
// time-exceeded, parameter-problem.
const std::vector<std::uint64_t> kIcmpv6Errors{1, 2, 3, 4};

nft::Stmt ipv6_only(nft::TableFamily family) {
    return family == nft::TableFamily::bridge ? cmp(Key::ether_type, kEtherIpv6)
                                              : nfproto(net::Family::ipv6);
}

nft::Stmt mark_is(std::uint32_t mark) {
    return cmp(Key::meta_mark, std::uint64_t{mark});
}

std::vector<nft::Stmt> icmpv6_of(nft::TableFamily family, const std::vector<std::uint64_t>& types) {
    std::vector<nft::Value> values(types.begin(), types.end());
    return {ipv6_only(family), cmp(Key::meta_l4proto, nft::kProtoIcmpv6),
            in_values(Key::icmpv6_type, std::move(values))};
}

nft::Rule icmpv6_accept(nft::TableFamily family, const std::vector<std::uint64_t>& types,
                        const char* comment, config::Loc origin) {
    auto stmts = icmpv6_of(family, types);
    stmts.push_back(counter());
    stmts.push_back(verdict(nft::VerdictKind::accept));
    return make_rule(std::move(stmts), comment, origin);
}

// DHCPv6 answers to a LAN client (to port 546 of its link-local address):
// the client asked a multicast group, so conntrack cannot match the answer
// to the question. Hosts take their DNS servers (and, where the ISP does
// stateful DHCPv6, their addresses) this way. The server's source port 547
// is not matched: any sender can choose it, so it would add nothing.
nft::Rule dhcpv6_reply(nft::TableFamily family, config::Loc origin) {
    return make_rule({ipv6_only(family), cmp(Key::ip6_daddr, *net::Prefix::parse("fe80::/10")),
                      cmp(Key::meta_l4proto, nft::kProtoUdp), cmp(Key::th_dport, std::uint64_t{546}), counter(),
                      verdict(nft::VerdictKind::accept)},
                     "gw:dhcpv6", origin);
}

nft::Rule jump_rule(std::vector<nft::Stmt> stmts, std::string_view chain, const char* comment,
                    config::Loc origin) {
    stmts.push_back(nft::Verdict{nft::VerdictKind::jump, std::string(chain)});
    return make_rule(std::move(stmts), comment, origin);
}

// The bridge family has no `meta nfproto` (it is always "bridge" there);
// the frame is IPv6 already (marks are only set on IPv6), and payload
// matches get their `meta protocol` dependency from the kernel encoder.
void drop_nfproto(nft::Rule& rule) {
    std::erase_if(rule.stmts, [](const nft::Stmt& s) {
        const auto* c = std::get_if<nft::Cmp>(&s);
        return c && c->key == Key::meta_nfproto;
    });
}

std::string inbound_comment(const config::FirewallRule& rule, std::size_t index) {
    if (!rule.name->empty()) return *rule.name;
    return "allow-inbound[" + std::to_string(index) + "]";
}

void add_inbound_allows(Context& ctx, nft::TableFamily family, nft::Chain& incoming) {
    const auto& split = *ctx.config().ipv6.bridge_split;
    config::ChainSpec spec{config::ChainKind::forward, {config::Policy::drop}, {}, {}, split.loc};
    for (std::size_t i = 0; i < split.inbound.size(); ++i) {
        for (auto& r : compile_firewall_rule(ctx, split.inbound[i], spec, inbound_comment(split.inbound[i], i))) {
            if (family == nft::TableFamily::bridge) drop_nfproto(r);
            incoming.rules.push_back(std::move(r));
        }
    }
}

// What came in on the outside port: ND (RA included: the ISP's router
// advertises the LAN's prefix), the ICMPv6 errors, DHCPv6 answers, ping as
// configured, the config's allows; the rest is counted, logged (rate-limited) and dropped.
void fill_incoming(Context& ctx, nft::TableFamily family, nft::Chain& incoming) {
    const auto& split = *ctx.config().ipv6.bridge_split;
    incoming.rules.push_back(icmpv6_accept(family, kNeighbourDiscovery, "gw:nd", split.loc));
    incoming.rules.push_back(icmpv6_accept(family, kMulticastListener, "gw:mld", split.loc));
    incoming.rules.push_back(icmpv6_accept(family, kIcmpv6Errors, "gw:icmpv6", split.loc));
    incoming.rules.push_back(dhcpv6_reply(family, split.loc));
    if (*split.icmpv6_echo)
        incoming.rules.push_back(icmpv6_accept(family, {128}, "gw:echo", split.icmpv6_echo.loc));
    add_inbound_allows(ctx, family, incoming);
    config::LogSpec log;
    incoming.rules.push_back(
        make_rule({log_limit(log), nft::Log{"gw-split-drop: ", kDropLogGroup}}, "gw:log", split.loc));
    incoming.rules.push_back(
        make_rule({counter(), verdict(nft::VerdictKind::drop)}, std::string(kCommentPolicy), split.loc));
}

// Direction by mark: outbound is accepted (but never a router
// advertisement: a LAN host must not become the ISP side's router),
// inbound goes through `incoming`. In the bridge family conntrack comes
// first; the inet forward chain has already done it.
void fill_split(const config::BridgeSplit& split, nft::TableFamily family, nft::Chain& chain) {
    if (family == nft::TableFamily::bridge) {
        chain.rules.push_back(make_rule({nft::AnyBits{Key::ct_state, nft::kCtStateEstablished | nft::kCtStateRelated},
                                         counter(), verdict(nft::VerdictKind::accept)},
                                        "gw:established", split.loc));
        chain.rules.push_back(make_rule({nft::AnyBits{Key::ct_state, nft::kCtStateInvalid}, counter(),
                                         verdict(nft::VerdictKind::drop)},
                                        "gw:invalid", split.loc));
    }
    auto ra = icmpv6_of(family, {kRouterAdvert});
    ra.insert(ra.begin(), mark_is(*split.inside_mark));
    ra.push_back(counter());
    ra.push_back(verdict(nft::VerdictKind::drop));
    chain.rules.push_back(make_rule(std::move(ra), "gw:ra-from-inside", split.inside_mark.loc));
    chain.rules.push_back(make_rule({mark_is(*split.inside_mark), counter(), verdict(nft::VerdictKind::accept)},
                                    "gw:outbound", split.inside_mark.loc));
    chain.rules.push_back(jump_rule({mark_is(*split.outside_mark)}, kChainIncoming, "gw:inbound",
                                    split.outside_mark.loc));
}

}  // namespace

void add_split_filter(Context& ctx, nft::TableFamily family, nft::Chain& forward) {
    const auto& split = *ctx.config().ipv6.bridge_split;
    nft::Chain chain{std::string(kChainSplit), std::nullopt, {}, split.loc};
    fill_split(split, family, chain);
    nft::Chain incoming{std::string(kChainIncoming), std::nullopt, {}, split.loc};
    fill_incoming(ctx, family, incoming);
    std::vector<nft::Rule> entry{
        jump_rule({mark_is(*split.inside_mark)}, kChainSplit, "gw:split", split.loc),
        jump_rule({mark_is(*split.outside_mark)}, kChainSplit, "gw:split", split.loc)};
    // Right after the conntrack rules (inet), so no later forward rule of
    // the IPv4 firewall decides bridged IPv6.
    auto at = std::find_if(forward.rules.begin(), forward.rules.end(),
                           [](const nft::Rule& r) { return r.comment == "gw:invalid"; });
    at = at == forward.rules.end() ? forward.rules.end() : at + 1;
    forward.rules.insert(at, entry.begin(), entry.end());
    ctx.add_chain(std::move(chain));
    ctx.add_chain(std::move(incoming));
}

void compile_split_filter(Context& ctx) {
    auto path = choose_split_path(ctx.config(), ctx.facts().kernel);
    if (!filters_in_inet(path)) return;
    add_split_filter(ctx, nft::TableFamily::inet, ctx.chain(kChainForward));
    if (path != SplitPath::l3_on_bridge) return;
    // Without broute, IPv4 between two inside ports is bridged too, and
    // br_netfilter shows it here (bridge in, bridge out); it never crossed
    // the outside port (the bridge table dropped that), so it is LAN to LAN.
    const auto& split = *ctx.config().ipv6.bridge_split;
    auto& chain = ctx.chain(kChainForward);  // add_split_filter added chains: look it up again
    auto at = std::find_if(chain.rules.begin(), chain.rules.end(),
                           [](const nft::Rule& r) { return r.comment == "gw:split"; });
    chain.rules.insert(at, make_rule({cmp(Key::meta_iifname, split.bridge.value),
                                      cmp(Key::meta_oifname, split.bridge.value), nfproto(net::Family::ipv4),
                                      counter(), verdict(nft::VerdictKind::accept)},
                                     "gw:bridged-ipv4", split.bridge.loc));
}

}  // namespace gw::rules::detail
