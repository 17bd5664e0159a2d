#include "daemon/kernel/probe/features.hpp"

#include <unistd.h>

#include "rules/nft/keys.hpp"

namespace gw::kernel {
namespace {

// A bridge table whose one chain holds `stmt`; the kernel refuses the rule
// (EOPNOTSUPP, ENOENT, ...) when the expression behind it is missing.
nft::Ruleset bridge_probe(nft::Hook hook, nft::Stmt stmt) {
    nft::Chain chain;
    chain.name = "probe";
    chain.base = nft::BaseChain{nft::ChainType::filter, hook, 0, nft::ChainPolicy::accept};
    chain.rules.push_back(nft::Rule{{std::move(stmt)}, "", {}});
    nft::Table table{nft::TableFamily::bridge, nft::kTableName, {}, {std::move(chain)}};
    return nft::Ruleset{{std::move(table)}};
}

// An inet table holding a flowtable without devices and a rule offloading
// to it: the kernel finds no flowtable type (ENOENT) without nf_flow_table.
nft::Ruleset flowtable_probe() {
    nft::Chain chain;
    chain.name = "probe";
    chain.base = nft::BaseChain{nft::ChainType::filter, nft::Hook::forward, 0, nft::ChainPolicy::accept};
    chain.rules.push_back(nft::Rule{{nft::FlowOffload{"probe"}}, "", {}});
    nft::Table table{nft::TableFamily::inet, nft::kTableName, {}, {std::move(chain)}};
    table.flowtables.push_back(nft::Flowtable{"probe", 0, {}, {}});
    return nft::Ruleset{{std::move(table)}};
}

bool kernel_accepts(Kernel& k, nft::Ruleset rs) {
    plan::Plan probe;
    probe.nft.kind = nft::ChangeKind::structure;
    probe.nft.desired = std::move(rs);
    return k.check(probe).has_value();
}

}  // namespace

rules::KernelFeatures probe_kernel_features(Kernel& k) {
    rules::KernelFeatures f;
    // meta broute: nft_meta_bridge, Linux >= 6.4.
    f.broute = kernel_accepts(k, bridge_probe(nft::Hook::prerouting,
                                                nft::SetMeta{nft::SetTarget::meta_broute, 1, std::nullopt}));
    // ct in the bridge family: nf_conntrack_bridge.
    f.bridge_conntrack = kernel_accepts(
        k, bridge_probe(nft::Hook::forward, nft::AnyBits{nft::Key::ct_state, nft::kCtStateEstablished}));
    // nf_flow_table (and nft_flow_offload): firewall.fast-path.
    f.flowtable = kernel_accepts(k, flowtable_probe());
    // br_netfilter: the per-namespace switch exists once the module is in.
    f.br_netfilter = ::access("/proc/sys/net/bridge/bridge-nf-call-ip6tables", F_OK) == 0;
    return f;
}

}  // namespace gw::kernel
