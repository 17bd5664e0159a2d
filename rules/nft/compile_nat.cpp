// nat.masquerade, snat, hairpin and mss-clamp. Masquerade (and snat, to a
// fixed address) is IPv4 only (IPv6 is
// routed end to end), from zones/networks out to zones/uplinks. The
// postrouting hook has no input interface (iifname is empty there), so a
// source zone is matched by its networks: zone_<name>_net4, the zone's
// `networks` plus the networks of its interfaces' addresses. Hairpin
// masquerades a DNATed connection from an inside zone's networks that
// leaves by that zone's interfaces, so the server answers through the
// router instead of straight to a client that expects the public address.
// MSS clamping rewrites SYNs crossing an uplink to the route MTU (PPPoE's
// 1492 and less), in a forward-hook chain at mangle priority, before any
// filter verdict.
#include "rules/nft/compile.hpp"
#include "rules/nft/compile_context.hpp"
#include "rules/nft/keys.hpp"

namespace gw::rules::detail {

using nft::Key;

namespace {

nft::Stmt masquerade() {
    return nft::Nat{nft::NatKind::masquerade, net::Family::ipv4, {}, {}, {}, {}, false};
}

// The statement of one entry: masquerade, or snat to its fixed address.
nft::Stmt source_nat(const config::Masquerade& m) {
    if (!m.address) return masquerade();
    return nft::Nat{nft::NatKind::snat, net::Family::ipv4, m.address->value, {}, {}, {}, false};
}

// The sources a masquerade entry names: zones (by their networks), networks
// and sets; one lookup each. A zone without IPv4 networks adds nothing.
std::vector<nft::Stmt> from_alternatives(Context& ctx, const config::Masquerade& m) {
    std::vector<nft::Stmt> out;
    for (const auto& z : m.from_zones)
        if (auto set = zone_network_set(ctx, *z)) out.push_back(in_set(Key::ip_saddr, *set));
    for (auto& s : address_alternatives(ctx, m.from, net::Family::ipv4, Key::ip_saddr))
        out.push_back(std::move(s));
    return out;
}

Alternatives to_alternatives(const Context& ctx, const config::Masquerade& m) {
    if (m.to.empty()) return {{}};
    Alternatives out;
    for (const auto& name : m.to) out.push_back({in_zone_or_uplink(ctx, Key::meta_oifname, *name)});
    return out;
}

// masquerade and snat entries, in file order within each list; snat
// entries come first, since a fixed address is the more specific choice.
void compile_source_nat(Context& ctx, const std::vector<config::Masquerade>& list, const std::string& label) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& m = list[i];
        auto from = from_alternatives(ctx, m);
        bool anyone = m.from_zones.empty() && m.from.empty();
        for (const auto& t : to_alternatives(ctx, m)) {
            auto base = t;
            base.push_back(nfproto(net::Family::ipv4));
            Alternatives alts = anyone ? Alternatives{base} : Alternatives{};
            for (const auto& f : from) alts.push_back(base), alts.back().push_back(f);
            for (auto& stmts : alts) {
                stmts.push_back(counter());
                stmts.push_back(source_nat(m));
                ctx.chain(kChainPostrouting)
                    .rules.push_back(make_rule(std::move(stmts), label + "[" + std::to_string(i) + "]", m.loc));
            }
        }
    }
}

void compile_hairpin(Context& ctx) {
    const auto& nat = ctx.config().nat;
    if (!*nat.hairpin || nat.forwards.empty()) return;
    for (const auto* zone : inside_zones(ctx.config())) {
        auto nets = zone_network_set(ctx, *zone->name);
        if (!nets) continue;
        ctx.chain(kChainPostrouting)
            .rules.push_back(make_rule({in_zone(Key::meta_oifname, *zone->name), nfproto(net::Family::ipv4),
                                        nft::AnyBits{Key::ct_status, nft::kCtStatusDnat},
                                        in_set(Key::ip_saddr, *nets), counter(), masquerade()},
                                       "gw:hairpin", nat.hairpin.loc));
    }
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
    compile_source_nat(ctx, ctx.config().nat.snat, "snat");
    compile_source_nat(ctx, ctx.config().nat.masquerade, "masquerade");
    compile_hairpin(ctx);
    compile_mss_clamp(ctx);
}

}  // namespace gw::rules::detail
