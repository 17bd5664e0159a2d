// MAP-E uplinks: source NAT over the CE's whole port set, and forwards
// only for ports inside it.
//
// SNAT shape: `masquerade to :numgen inc mod N map @mape_<uplink>_snat`, a
// map from a per-connection counter to a port, holding every port of the
// set once, ordered one block after another (spread_ports), for TCP, UDP
// and ICMP (the echo id). N is the size of the set, so no port outside it
// can ever be chosen, consecutive connections take ports of different
// blocks, and one rule with one map lookup serves every connection. The
// address is the tunnel's, which holds the CE address only; masquerade
// rather than snat because the kernel drops a masqueraded connection when
// its address leaves the link: after a renumbering a long-lived flow (an
// NTP or game client on a fixed port) starts again from the new address
// instead of keeping the old one in conntrack for as long as it talks. A
// connection whose chosen port is taken towards the same destination fails
// at conntrack confirmation (the range is one port, so the kernel does not
// search) and its retransmission takes the next port: one full block never
// stalls anything, unlike one `snat to addr:block` rule per block where the
// first rule always matches (OpenWrt's map + fw4, openwrt/openwrt#11972).
// The ports live only in map elements, so a new PSID is an element
// update. Other protocols leave masqueraded too; they have no ports to
// share, so only one host can use each.
#include "rules/mape/uplink.hpp"
#include "rules/nft/compile_context.hpp"
#include "rules/nft/keys.hpp"

namespace gw::rules::detail {
namespace {

using nft::Key;

std::string snat_map_name(const config::Uplink& u) { return "mape_" + *u.name + "_snat"; }
std::string port_set_name(const config::Uplink& u) { return "mape_" + *u.name + "_ports"; }

nft::Stmt tcp_udp_icmp() {
    return in_values(Key::meta_l4proto, {nft::kProtoIcmp, nft::kProtoTcp, nft::kProtoUdp});
}

void add_snat_map(Context& ctx, const config::Uplink& u, const std::optional<mape::CeFacts>& ce,
                  std::uint32_t modulus) {
    nft::Set m;
    m.name = snat_map_name(u);
    m.key = {Key::numgen_inc};
    m.data = {Key::th_sport};
    m.modulus = modulus;
    m.comment = "MAP-E port set of " + *u.name;
    m.origin = u.loc;
    if (ce) {
        auto ports = mape::spread_ports(ce->blocks);
        for (std::size_t i = 0; i < ports.size() && i < modulus; ++i)
            m.elements.push_back(nft::Element{{std::uint64_t{i}},
                                              {std::uint64_t{ports[i]}}, {}, {}, {}, u.loc});
    }
    ctx.add_set(std::move(m), SetGroup::uplinks);
}

void add_port_set(Context& ctx, const config::Uplink& u, const std::optional<mape::CeFacts>& ce) {
    nft::Set s;
    s.name = port_set_name(u);
    s.key = {Key::th_dport};
    s.interval = true;
    s.origin = u.loc;
    if (ce)
        for (const auto& b : ce->blocks)
            s.elements.push_back(nft::Element{{nft::IntRange{b.first, b.last}}, {}, {}, {}, {}, u.loc});
    ctx.add_set(std::move(s), SetGroup::uplinks);
}

void compile_snat(Context& ctx, const config::Uplink& u, const std::string& ifname, std::uint32_t modulus) {
    nft::Nat nat{nft::NatKind::masquerade, net::Family::ipv4, {}, {}, {Key::numgen_inc}, snat_map_name(u), true,
                 modulus};
    auto& post = ctx.chain(kChainPostrouting);
    post.rules.push_back(make_rule({cmp(Key::meta_oifname, ifname), nfproto(net::Family::ipv4), tcp_udp_icmp(),
                                    counter(), nat},
                                   "gw:mape-snat", u.loc));
    post.rules.push_back(make_rule({cmp(Key::meta_oifname, ifname), nfproto(net::Family::ipv4), counter(),
                                    nft::Nat{nft::NatKind::masquerade, net::Family::ipv4, {}, {}, {}, {}, false, 0}},
                                   "gw:mape-other", u.loc));
}

// Before any DNAT: a port outside the set arriving on the tunnel is no
// forward of this CE (the BR would not send it; someone else's port is).
void compile_forward_guard(Context& ctx, const config::Uplink& u, const std::string& ifname) {
    if (ctx.config().nat.forwards.empty()) return;
    auto& pre = ctx.chain(kChainPrerouting);
    pre.rules.push_back(make_rule({cmp(Key::meta_iifname, ifname), nfproto(net::Family::ipv4),
                                   in_values(Key::meta_l4proto, {nft::kProtoTcp, nft::kProtoUdp}),
                                   nft::Lookup{{Key::th_dport}, port_set_name(u), {}, true}, counter(),
                                   verdict(nft::VerdictKind::accept)},
                                  "gw:mape-outside-set", u.loc));
}

// The border relay's encapsulated packets reach the CE address through the
// input hook before the tunnel decapsulates them. Once the CE has sent
// something they are an established flow; before that (a forward's first
// connection from outside after a boot, or after ten idle minutes) they are
// new, and the input policy would drop them.
void compile_tunnel_input(Context& ctx, const config::Uplink& u) {
    auto& input = ctx.chain(kChainInput);
    input.rules.push_back(make_rule({cmp(Key::meta_iifname, mape::ipv6_link(ctx.config(), u)),
                                     nfproto(net::Family::ipv6), cmp(Key::meta_l4proto, nft::kProtoIpencap),
                                     cmp(Key::ip6_saddr, net::Prefix{u.map_e->br.value, 128}), counter(),
                                     verdict(nft::VerdictKind::accept)},
                                    "gw:mape-tunnel", u.loc));
}

}  // namespace

void compile_mape(Context& ctx) {
    for (const auto& u : ctx.config().uplinks) {
        if (!u.map_e || !u.enabled.value) continue;
        auto ce = mape::live_ce(u, ctx.facts());
        auto modulus = ce ? ce->port_count() : mape::ports_per_ce(mape::map_rule_of(*u.map_e));
        auto ifname = uplink_ifname(ctx, u);
        add_snat_map(ctx, u, ce, modulus);
        add_port_set(ctx, u, ce);
        compile_snat(ctx, u, ifname, modulus);
        compile_forward_guard(ctx, u, ifname);
        compile_tunnel_input(ctx, u);
    }
}

}  // namespace gw::rules::detail
