// ipv6.bridge-split -> a bridge-family table of the same name ("bridge
// gatewayd"): ingress-port marks on IPv6 frames, `meta broute` for
// everything else on the split ports (routed by the host, where the kernel
// has it), non-IPv6 never forwarded across the split, on the fallback path
// a limit on what the outside port brings to the host, and, on the
// nf_conntrack_bridge path, the IPv6 filter itself. Which path applies is
// choose_split_path()'s; an unsupported one compiles to nothing (the daemon
// refuses the config before it gets here).
#include <algorithm>

#include "rules/config/uplink_kinds.hpp"
#include "rules/nft/compile_context.hpp"
#include "rules/nft/keys.hpp"
#include "rules/split_path.hpp"

namespace gw::rules::detail {

using nft::Key;

namespace {

constexpr std::uint64_t kEtherIpv6 = 0x86dd;
constexpr std::uint64_t kEtherPppoeDiscovery = 0x8863;
constexpr std::uint64_t kEtherPppoeSession = 0x8864;
constexpr int kBridgeFilterPriority = -200;  // "filter" in the bridge family

nft::Chain bridge_chain(std::string_view name, nft::Hook hook, config::Loc origin) {
    nft::Chain c;
    c.name = name;
    c.base = nft::BaseChain{nft::ChainType::filter, hook, kBridgeFilterPriority, nft::ChainPolicy::accept};
    c.origin = origin;
    return c;
}

nft::Stmt not_ipv6() {
    return nft::Cmp{Key::ether_type, std::uint64_t{kEtherIpv6}, true};
}

// One mark rule per port, then (with broute) one broute rule per port: the
// broute verdict must be the chain's last word for that frame, so no rule
// after it may drop or mark it.
void fill_prerouting(const config::BridgeSplit& split, bool broute, nft::Chain& chain) {
    auto mark = [&](const config::Name& port, const config::Located<std::uint32_t>& value, const char* comment) {
        chain.rules.push_back(make_rule({cmp(Key::meta_iifname, port.value), cmp(Key::ether_type, kEtherIpv6),
                                         nft::SetMeta{nft::SetTarget::meta_mark, value.value, std::nullopt}},
                                        comment, port.loc));
    };
    for (const auto& port : split.inside) mark(port, split.inside_mark, "gw:mark-inside");
    mark(split.outside, split.outside_mark, "gw:mark-outside");
    if (!broute) return;
    auto route = [&](const config::Name& port) {
        chain.rules.push_back(make_rule({cmp(Key::meta_iifname, port.value), not_ipv6(),
                                         nft::SetMeta{nft::SetTarget::meta_broute, 1, std::nullopt}},
                                        "gw:broute", port.loc));
    };
    for (const auto& port : split.inside) route(port);
    route(split.outside);
}

// With broute nothing but IPv6 reaches the bridge from the split ports, so
// these only count on the fallback path; they stay on every path so no
// kernel ever bridges IPv4, ARP or PPPoE between LAN and WAN unfiltered.
void add_not_ipv6_drops(const config::BridgeSplit& split, nft::Chain& chain) {
    for (Key side : {Key::meta_iifname, Key::meta_oifname})
        chain.rules.push_back(make_rule({cmp(side, split.outside.value), not_ipv6(), counter(),
                                         verdict(nft::VerdictKind::drop)},
                                        "gw:not-ipv6", split.outside.loc));
}

// Without broute the host's own traffic on the split ports arrives on the
// bridge device from either side, so the IPv4 firewall's zones could not
// tell the ISP side from the LAN. Unless an IPv4 next-hop uplink lives on
// the bridge, the outside port may only bring IPv6 and PPPoE to the host.
bool outside_may_carry_ipv4(const config::Config& cfg) {
    const auto& bridge = cfg.ipv6.bridge_split->bridge.value;
    return std::any_of(cfg.uplinks.begin(), cfg.uplinks.end(), [&](const config::Uplink& u) {
        return config::uplink_kind(u).link == config::UplinkLink::device && u.device.value == bridge;
    });
}

void fill_host_input(const config::BridgeSplit& split, nft::Chain& chain) {
    for (std::uint64_t type : {kEtherIpv6, kEtherPppoeDiscovery, kEtherPppoeSession})
        chain.rules.push_back(make_rule({cmp(Key::meta_iifname, split.outside.value), cmp(Key::ether_type, type),
                                         verdict(nft::VerdictKind::accept)},
                                        "gw:outside-to-host", split.fallback.loc));
    chain.rules.push_back(make_rule({cmp(Key::meta_iifname, split.outside.value), counter(),
                                     verdict(nft::VerdictKind::drop)},
                                    "gw:outside-to-host", split.fallback.loc));
}

}  // namespace

void compile_bridge(const Context& ctx, nft::Ruleset& ruleset) {
    auto path = choose_split_path(ctx.config(), ctx.facts().kernel);
    if (path == SplitPath::none || path == SplitPath::unsupported) return;
    const auto& split = *ctx.config().ipv6.bridge_split;
    Context bridge(ctx.config(), ctx.facts());
    fill_prerouting(split, uses_broute(path), bridge.add_chain(bridge_chain(kChainPrerouting, nft::Hook::prerouting, split.loc)));
    if (path == SplitPath::l3_on_bridge && !outside_may_carry_ipv4(ctx.config()))
        fill_host_input(split, bridge.add_chain(bridge_chain(kChainInput, nft::Hook::input, split.loc)));
    auto& forward = bridge.add_chain(bridge_chain(kChainForward, nft::Hook::forward, split.loc));
    add_not_ipv6_drops(split, forward);
    if (path == SplitPath::bridge_conntrack) add_split_filter(bridge, nft::TableFamily::bridge, forward);
    nft::Table table = bridge.finish();
    table.family = nft::TableFamily::bridge;
    ruleset.tables.push_back(std::move(table));
}

}  // namespace gw::rules::detail
