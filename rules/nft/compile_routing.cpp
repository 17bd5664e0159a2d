// routing (several uplinks) -> connection marks. A new IPv4 connection that
// arrives on an uplink gets that uplink's mark (bits 16-23, rules/marks.hpp) in its
// conntrack entry; every later packet of it carries the mark again: in
// prerouting (replies of a LAN server) and in a route-type output chain (the
// gateway's own replies, rerouted after the mark changes). The fwmark rules
// of compile_rules.cpp then pick the uplink's table.
#include "rules/marks.hpp"
#include "rules/nft/compile_context.hpp"
#include "rules/nft/keys.hpp"

namespace gw::rules::detail {
namespace {

using nft::Key;

inline constexpr std::string_view kChainManglePrerouting = "mangle_prerouting";
inline constexpr std::string_view kChainMangleOutput = "mangle_output";
// Before DNAT (-100) and after conntrack (-200): the mark is on the entry
// before anything else looks at it.
inline constexpr int kPriorityMangle = -150;

nft::Chain base_chain(std::string_view name, nft::ChainType type, nft::Hook hook) {
    nft::Chain c;
    c.name = name;
    c.base = nft::BaseChain{type, hook, kPriorityMangle, nft::ChainPolicy::accept};
    return c;
}

// Only IPv4 is routed by uplink; only our byte of the ct mark counts, so a
// mark someone else put in the other bits does not move packets. The copy
// takes the whole ct mark: gatewayd is the only writer of ct marks here.
nft::Rule restore_rule(config::Loc origin) {
    return make_rule({nfproto(net::Family::ipv4),
                      nft::AnyBits{Key::ct_mark, kUplinkMarkMask}, counter(),
                      nft::SetMeta{nft::SetTarget::meta_mark, std::nullopt, Key::ct_mark}},
                     "gw:restore-mark", origin);
}

nft::Rule mark_rule(const Context& ctx, const config::Uplink& u, std::uint32_t mark) {
    return make_rule({cmp(Key::meta_iifname, uplink_ifname(ctx, u)), nfproto(net::Family::ipv4),
                      nft::AnyBits{Key::ct_state, nft::kCtStateNew}, counter(),
                      nft::SetMeta{nft::SetTarget::ct_mark, mark, std::nullopt}},
                     "gw:uplink-mark " + u.name.value, u.loc);
}

}  // namespace

void compile_routing(Context& ctx) {
    const auto& cfg = ctx.config();
    auto marks = uplink_marks(cfg);
    if (marks.empty()) return;
    config::Loc origin = cfg.routing.reply_via_ingress.loc.known() ? cfg.routing.reply_via_ingress.loc
                                                                    : cfg.uplinks.front().loc;
    auto& pre = ctx.add_chain(base_chain(kChainManglePrerouting, nft::ChainType::filter, nft::Hook::prerouting));
    for (const auto& u : cfg.uplinks)
        if (auto it = marks.find(u.name.value); it != marks.end())
            pre.rules.push_back(mark_rule(ctx, u, it->second));
    pre.rules.push_back(restore_rule(origin));
    auto& out = ctx.add_chain(base_chain(kChainMangleOutput, nft::ChainType::route, nft::Hook::output));
    out.rules.push_back(restore_rule(origin));
}

}  // namespace gw::rules::detail
