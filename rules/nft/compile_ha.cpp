// ha: what the pair itself must be let in for, before the config's input
// rules decide. Without it an input policy of drop eats the peer's VRRP
// adverts and both gateways become MASTER, or eats conntrackd's sync
// messages and flows die with the master.
#include "rules/nft/compile_context.hpp"
#include "rules/ha/ha_conf.hpp"
#include "rules/nft/keys.hpp"

namespace gw::rules::detail {

namespace {

constexpr std::uint64_t kProtoVrrp = 112;        // IPPROTO_VRRP


const config::Interface* interface_of(const Context& ctx, const config::Name& name) {
    return ctx.config().find_interface(name.value);
}

}  // namespace

void compile_ha_input(Context& ctx, nft::Chain& input) {
    const auto& ha = ctx.config().ha;
    if (!ha) return;
    for (const auto& vi : ha->instances) {
        const auto* itf = interface_of(ctx, vi.interface);
        if (!itf) continue;
        input.rules.push_back(make_rule({cmp(nft::Key::meta_iifname, itf->link_name()), nfproto(vi.family()),
                                         cmp(nft::Key::meta_l4proto, kProtoVrrp), counter(),
                                         verdict(nft::VerdictKind::accept)},
                                        "gw:vrrp", vi.loc));
    }
    if (!ha->sync) return;
    const auto* sync = interface_of(ctx, ha->sync->interface);
    if (!sync) return;
    input.rules.push_back(make_rule(
        {cmp(nft::Key::meta_iifname, sync->link_name()), nfproto(net::Family::ipv4),
         cmp(nft::Key::ip_saddr, net::Prefix{ha->sync->peer.value, 32}), cmp(nft::Key::meta_l4proto, nft::kProtoUdp),
         cmp(nft::Key::th_dport, std::uint64_t{gw::ha::kConntrackdPort}), counter(), verdict(nft::VerdictKind::accept)},
        "gw:conntrack-sync", ha->sync->loc));
}

}  // namespace gw::rules::detail
