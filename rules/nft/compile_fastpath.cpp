// firewall.fast-path -> the flowtable "fastpath" on the forwarding links and
// one rule at the head of the forward chain that hands established
// connections to it. Only `ct state established` is offloaded: a
// connection is established only after its first packet passed the whole
// filter, so the filter still decides every new connection; what the
// flowtable forwards afterwards skips the forward chain (its counters and
// its log). Left out when the kernel has no nf_flow_table (omissions() and
// status say so) or no forwarding link exists yet.
#include "rules/nft/compile_context.hpp"
#include "rules/nft/keys.hpp"

namespace gw::rules::detail {

void compile_fastpath(Context& ctx) {
    const auto& fw = ctx.config().firewall;
    if (!*fw.fast_path || !ctx.facts().kernel.flowtable) return;
    auto devices = fastpath_devices(ctx.config(), ctx.facts());
    if (devices.empty()) return;
    ctx.add_flowtable(nft::Flowtable{std::string(kFlowtableName), 0, std::move(devices), fw.fast_path.loc});
    // The flowtable itself passes only TCP and UDP; other protocols go on
    // through the chain, so no protocol match is needed here.
    auto rule = make_rule({nft::AnyBits{nft::Key::ct_state, nft::kCtStateEstablished},
                           nft::FlowOffload{std::string(kFlowtableName)}},
                          "gw:fast-path", fw.fast_path.loc);
    auto& rules = ctx.chain(kChainForward).rules;
    rules.insert(rules.begin(), std::move(rule));
}

}  // namespace gw::rules::detail
