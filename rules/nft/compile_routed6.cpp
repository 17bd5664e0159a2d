// Routed IPv6 in the filter: the DHCPv6 client's answers on uplinks that ask
// for a prefix, and the pinholes of LAN links. The forward chain is already
// stateful for IPv6 (established/related in, the ICMPv6 errors RFC 4890
// says must pass, echo as configured, zone rules for what goes out); a
// pinhole adds one way in from the uplink the link's prefix comes from. By
// interface ID it matches the low 64 bits only (ip6 daddr & ::ffff:ffff:
// ffff:ffff == ::1234), so it needs no change when the prefix changes.
#include "rules/nft/compile_context.hpp"
#include "rules/nft/keys.hpp"

namespace gw::rules::detail {

using nft::Key;

namespace {

net::Address interface_id_mask() {
    net::Address mask;
    mask.family = net::Family::ipv6;
    for (std::size_t i = 8; i < 16; ++i) mask.bytes[i] = 0xff;
    return mask;
}

// The server answers the client's multicast Solicit from its link-local
// address to the client's, port 546: conntrack cannot tie that to the
// question, so it is let in by shape, on the uplink's own link only.
nft::Rule dhcpv6_client(const Context& ctx, const config::Uplink& up) {
    return make_rule({cmp(Key::meta_iifname, uplink_ifname(ctx, up)), nfproto(net::Family::ipv6),
                      cmp(Key::ip6_daddr, *net::Prefix::parse("fe80::/10")), cmp(Key::meta_l4proto, nft::kProtoUdp),
                      cmp(Key::th_dport, std::uint64_t{546}), counter(), verdict(nft::VerdictKind::accept)},
                     "gw:dhcpv6-client", up.dhcpv6_pd->loc);
}

nft::Stmt host_match(const config::Pinhole& hole) {
    if (hole.interface_id) return nft::MaskedCmp{Key::ip6_daddr, interface_id_mask(), hole.interface_id->value};
    return cmp(Key::ip6_daddr, net::Prefix{hole.address->value, 128});
}

std::string pinhole_comment(const config::Interface& itf, const config::Pinhole& hole, std::size_t index) {
    if (!hole.name->empty()) return *hole.name;
    return itf.name.value + ".allow-inbound[" + std::to_string(index) + "]";
}

void add_pinholes(Context& ctx, const config::Interface& itf, const config::Uplink& up, nft::Chain& forward) {
    const auto& lan = *itf.ipv6;
    for (std::size_t i = 0; i < lan.inbound.size(); ++i) {
        const auto& hole = lan.inbound[i];
        std::vector<nft::Stmt> head{nfproto(net::Family::ipv6), cmp(Key::meta_iifname, uplink_ifname(ctx, up)),
                                    cmp(Key::meta_oifname, itf.link_name()), host_match(hole)};
        Alternatives sources{{}};
        if (!hole.sources.empty()) {
            sources.clear();
            for (auto& s : address_alternatives(ctx, hole.sources, net::Family::ipv6, Key::ip6_saddr))
                sources.push_back({std::move(s)});
        }
        for (auto& alt : sources) {
            auto stmts = head;
            stmts.insert(stmts.end(), alt.begin(), alt.end());
            for (auto& m : proto_matches(*hole.proto, hole.ports, {})) stmts.push_back(std::move(m));
            stmts.push_back(counter());
            stmts.push_back(verdict(nft::VerdictKind::accept));
            forward.rules.push_back(make_rule(std::move(stmts), pinhole_comment(itf, hole, i), hole.loc));
        }
    }
}

}  // namespace

void compile_routed6(Context& ctx) {
    const auto& cfg = ctx.config();
    for (const auto& up : cfg.uplinks)
        if (up.asks_for_prefix()) ctx.chain(kChainInput).rules.push_back(dhcpv6_client(ctx, up));
    for (const auto& itf : cfg.interfaces) {
        if (!itf.ipv6 || !*itf.enabled) continue;
        const auto* up = cfg.find_uplink(itf.ipv6->from.value);
        if (up) add_pinholes(ctx, itf, *up, ctx.chain(kChainForward));
    }
}

}  // namespace gw::rules::detail
