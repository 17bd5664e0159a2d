#include "rules/split_path.hpp"

namespace gw::rules {

SplitPath choose_split_path(const config::Config& config, const KernelFeatures& k) {
    const auto& split = config.ipv6.bridge_split;
    if (!split) return SplitPath::none;
    if (k.broute && k.bridge_conntrack) return SplitPath::bridge_conntrack;
    if (k.broute && k.br_netfilter) return SplitPath::br_netfilter;
    if (!k.broute && k.br_netfilter && split->fallback.value == config::SplitFallback::l3_on_bridge)
        return SplitPath::l3_on_bridge;
    return SplitPath::unsupported;
}

std::string_view split_path_name(SplitPath path) {
    switch (path) {
    case SplitPath::none: return "";
    case SplitPath::bridge_conntrack: return "bridge family (meta broute, nf_conntrack_bridge)";
    case SplitPath::br_netfilter: return "inet family via br_netfilter (meta broute)";
    case SplitPath::l3_on_bridge: return "l3-on-bridge via br_netfilter (no meta broute)";
    case SplitPath::unsupported: return "unsupported by this kernel";
    }
    return "";
}

namespace {

std::string refusal_text(const config::BridgeSplit& split, const KernelFeatures& k) {
    if (k.broute)
        return "this kernel can filter bridged IPv6 neither in the bridge family "
               "(nf_conntrack_bridge) nor through br_netfilter; the split would bridge it unfiltered";
    if (split.fallback.value == config::SplitFallback::l3_on_bridge)
        return "fallback l3-on-bridge needs br_netfilter (net.bridge.bridge-nf-call-ip6tables), "
               "which this kernel lacks";
    return "this kernel has no meta broute (Linux >= 6.4, nft_meta_bridge), so IPv4 and PPPoE "
           "cannot stay routed on the split ports; set fallback: l3-on-bridge to bridge every frame "
           "(non-IPv6 is never forwarded between inside and outside) and run IPv4 and PPPoE on the "
           "bridge device '" + split.bridge.value + "' instead";
}

}  // namespace

std::optional<SplitRefusal> split_refusal(const config::Config& config, const KernelFeatures& k) {
    if (choose_split_path(config, k) != SplitPath::unsupported) return std::nullopt;
    const auto& split = *config.ipv6.bridge_split;
    config::Loc at = split.fallback.loc.known() ? split.fallback.loc : split.loc;
    return SplitRefusal{refusal_text(split, k), at};
}

}  // namespace gw::rules
