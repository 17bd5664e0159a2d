// nat.masquerade, hairpin and mss-clamp. Masquerade is IPv4 only (IPv6 is
// routed end to end), from zones/networks out to zones/uplinks. Hairpin
// masquerades a DNATed connection that enters and leaves by the same inside
// zone, so the server answers through the router instead of straight to a
// client that expects the public address. MSS clamping rewrites SYNs
// crossing an uplink to the route MTU (PPPoE's 1492 and less), in a
// forward-hook chain at mangle priority, before any filter verdict.
#include <optional>

#include "rules/nft/compile.hpp"
#include "rules/nft/compile_context.hpp"
#include "rules/nft/keys.hpp"

namespace gw::rules::detail {

using nft::Key;

namespace {

nft::Stmt masquerade() {
    return nft::Nat{nft::NatKind::masquerade, net::Family::ipv4, {}, {}, {}, {}, false};
}

// One source a masquerade entry names: a zone (by interface) or networks.
struct From {
    std::optional<nft::Stmt> zone;
    std::optional<nft::Stmt> address;
};

std::vector<From> from_alternatives(Context& ctx, const config::Masquerade& m) {
    if (m.from_zones.empty() && m.from.empty()) return {From{}};
    std::vector<From> out;
    for (const auto& z : m.from_zones) out.push_back({in_zone(Key::meta_iifname, *z), {}});
    for (auto& s : address_alternatives(ctx, m.from, net::Family::ipv4, Key::ip_saddr))
        out.push_back({{}, std::move(s)});
    return out;
}

Alternatives to_alternatives(const Context& ctx, const config::Masquerade& m) {
    if (m.to.empty()) return {{}};
    Alternatives out;
    for (const auto& name : m.to) {
        if (find_named(ctx.config().zones, *name))
            out.push_back({in_zone(Key::meta_oifname, *name)});
        else if (const auto* up = find_named(ctx.config().uplinks, *name))
            out.push_back({cmp(Key::meta_oifname, uplink_ifname(ctx, *up))});
    }
    return out;
}

void compile_masquerade(Context& ctx) {
    const auto& list = ctx.config().nat.masquerade;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& m = list[i];
        auto to = to_alternatives(ctx, m);
        for (const auto& from : from_alternatives(ctx, m)) {
            for (const auto& t : to) {
                std::vector<nft::Stmt> stmts;
                if (from.zone) stmts.push_back(*from.zone);
                stmts.insert(stmts.end(), t.begin(), t.end());
                stmts.push_back(nfproto(net::Family::ipv4));
                if (from.address) stmts.push_back(*from.address);
                stmts.push_back(counter());
                stmts.push_back(masquerade());
                ctx.chain(kChainPostrouting)
                    .rules.push_back(make_rule(std::move(stmts), "masquerade[" + std::to_string(i) + "]", m.loc));
            }
        }
    }
}

void compile_hairpin(Context& ctx) {
    const auto& nat = ctx.config().nat;
    if (!*nat.hairpin || nat.forwards.empty()) return;
    for (const auto* zone : inside_zones(ctx.config()))
        ctx.chain(kChainPostrouting)
            .rules.push_back(make_rule({in_zone(Key::meta_iifname, *zone->name),
                                        in_zone(Key::meta_oifname, *zone->name),
                                        nfproto(net::Family::ipv4),
                                        nft::AnyBits{Key::ct_status, nft::kCtStatusDnat}, counter(),
                                        masquerade()},
                                       "gw:hairpin", nat.hairpin.loc));
}

void compile_mss_clamp(Context& ctx) {
    const auto& nat = ctx.config().nat;
    if (!*nat.mss_clamp || ctx.config().uplinks.empty()) return;
    for (auto key : {Key::meta_oifname, Key::meta_iifname})
        ctx.chain(kChainMangleForward)
            .rules.push_back(make_rule({in_set(key, std::string(kUplinkIfSet)),
                                        cmp(Key::meta_l4proto, nft::kProtoTcp),
                                        nft::AnyBits{Key::tcp_flags, nft::kTcpFlagSyn}, counter(),
                                        nft::MssClamp{}},
                                       "gw:mss-clamp", nat.mss_clamp.loc));
}

}  // namespace

void compile_nat(Context& ctx) {
    compile_masquerade(ctx);
    compile_hairpin(ctx);
    compile_mss_clamp(ctx);
}

}  // namespace gw::rules::detail
