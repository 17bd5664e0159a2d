// The fast path -> the flowtable "fastpath" on the forwarding links and
// rules at the head of the forward chain that hand established connections
// to it. Only `ct state established` is offloaded: a connection is
// established only after its first packet passed the whole filter, so the
// filter still decides every new connection; what the flowtable forwards
// afterwards skips the forward chain (its counters and its log). Left out
// when the kernel has no nf_flow_table (omissions() and status say so) or no
// forwarding link exists yet.
//
// firewall.fast-path turns it on for every link; a zone's `fast-path`
// overrides that for its links. A connection is offloaded when no link it
// crosses is in a zone that says false, and the global switch or a zone it
// crosses says true. Matching both directions' links matters: the
// flowtable would forward the half of a connection whose entry link it
// holds even when the other link is left out.
#include "rules/nft/compile_context.hpp"
#include "rules/nft/keys.hpp"

namespace gw::rules::detail {

namespace {

std::vector<const config::Zone*> zones_saying(const config::Config& cfg, bool value) {
    std::vector<const config::Zone*> out;
    for (const auto& z : cfg.zones)
        if (z.fast_path && **z.fast_path == value) out.push_back(&z);
    return out;
}

nft::Stmt zone_link(nft::Key side, const config::Zone& zone, bool negate) {
    auto stmt = in_zone(side, *zone.name);
    std::get<nft::Lookup>(stmt).negate = negate;
    return stmt;
}

// "ct state established <first> iifname/oifname != @zone_<slow>_if ... flow add @fastpath"
nft::Rule offload_rule(std::optional<nft::Stmt> first, const std::vector<const config::Zone*>& slow,
                       config::Loc origin) {
    std::vector<nft::Stmt> stmts{nft::AnyBits{nft::Key::ct_state, nft::kCtStateEstablished}};
    if (first) stmts.push_back(std::move(*first));
    for (const auto* z : slow)
        for (auto side : {nft::Key::meta_iifname, nft::Key::meta_oifname}) stmts.push_back(zone_link(side, *z, true));
    // The flowtable itself passes only TCP and UDP; other protocols go on
    // through the chain, so no protocol match is needed here.
    stmts.push_back(nft::FlowOffload{std::string(kFlowtableName)});
    return make_rule(std::move(stmts), "gw:fast-path", origin);
}

std::vector<nft::Rule> offload_rules(const config::Config& cfg) {
    auto slow = zones_saying(cfg, false);
    if (*cfg.firewall.fast_path) return {offload_rule(std::nullopt, slow, cfg.firewall.fast_path.loc)};
    // Switched on zone by zone: a connection that enters or leaves by one of them.
    std::vector<nft::Rule> out;
    for (const auto* z : zones_saying(cfg, true))
        for (auto side : {nft::Key::meta_iifname, nft::Key::meta_oifname})
            out.push_back(offload_rule(zone_link(side, *z, false), slow, z->fast_path->loc));
    return out;
}

}  // namespace

void compile_fastpath(Context& ctx) {
    auto on = ctx.config().fast_path_switch();
    if (!on || !ctx.facts().kernel.flowtable) return;
    auto devices = fastpath_devices(ctx.config(), ctx.facts());
    if (devices.empty()) return;
    ctx.add_flowtable(nft::Flowtable{std::string(kFlowtableName), 0, std::move(devices), *on});
    auto offload = offload_rules(ctx.config());
    auto& rules = ctx.chain(kChainForward).rules;
    rules.insert(rules.begin(), std::make_move_iterator(offload.begin()), std::make_move_iterator(offload.end()));
}

}  // namespace gw::rules::detail
