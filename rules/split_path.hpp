// Which kernel path the IPv6 bridge-router split takes, chosen from the
// config and the probed kernel features. One choice feeds the nft compiler
// (which table filters), the netlink compiler (bridge-nf-call-ip6tables),
// the daemon's refusal and `gwctl status`, so they cannot disagree.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rules/config/model.hpp"
#include "rules/facts.hpp"

namespace gw::rules {

enum class SplitPath {
    none,             // the config has no ipv6.bridge-split
    bridge_conntrack, // meta broute + ct in the bridge family (nf_conntrack_bridge)
    br_netfilter,     // meta broute; filter in the inet forward hook via br_netfilter
    l3_on_bridge,     // no broute: every frame bridged, host traffic on the bridge (fallback)
    unsupported,      // the split cannot be done safely here: refused
};

SplitPath choose_split_path(const config::Config& config, const KernelFeatures& kernel);

// What `gwctl status` shows for the path ("" for none).
std::string_view split_path_name(SplitPath path);

// Whether IPv6 frames are filtered in the inet family (bridge-nf-call-ip6tables=1).
inline bool filters_in_inet(SplitPath p) {
    return p == SplitPath::br_netfilter || p == SplitPath::l3_on_bridge;
}
inline bool uses_broute(SplitPath p) {
    return p == SplitPath::bridge_conntrack || p == SplitPath::br_netfilter;
}

// The error to report when the path is unsupported, at the `fallback` value
// when the config gives one, else at the bridge-split section; nullopt
// when the split can be done.
struct SplitRefusal {
    std::string message;
    config::Loc loc;
};
std::optional<SplitRefusal> split_refusal(const config::Config& config, const KernelFeatures& kernel);

}  // namespace gw::rules
