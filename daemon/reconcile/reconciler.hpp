// One reconcile: config + facts about the host -> the nft ruleset and the
// netlink state gatewayd wants, compared with what the kernel holds and,
// in apply mode, made true. Shared by the daemon and by gwctl's direct mode.
// Atomic where the kernel allows it: nothing is sent when facts cannot be
// gathered (a missing user) or the nft part fails; the nft change is one
// transaction (or one element-only update when only set elements differ,
// e.g. an uplink's address in the hairpin set); netlink requests follow.
#pragma once

#include <functional>
#include <optional>

#include "daemon/kernel/nft_backend.hpp"
#include "daemon/netlink/backend.hpp"
#include "daemon/host/accounts.hpp"
#include "daemon/reconcile/result.hpp"
#include "daemon/config/file.hpp"
#include "daemon/status/status.hpp"

namespace gw::reconcile {

using FeatureProbe = std::function<rules::KernelFeatures()>;

class Reconciler {
public:
    // `probe` runs once, on first use; without one every feature is off
    // except br_netfilter.
    Reconciler(kernel::NftBackend& nft, kernel::NetBackend& net, const host::Accounts& accounts,
               FeatureProbe probe = {});

    ReconcileResult run(const config::LoadedConfig& cfg, Mode mode);

    // Facts compilation needs: each uplink's interface name and addresses,
    // uids/gids of egress rules, kernel features. Problems are fatal (a
    // missing user) or transient (the address dump failed).
    rules::Facts gather_facts(const config::Config& cfg, std::vector<Problem>& problems);

    // Links, addresses and counters for `gwctl status`; `cfg` may be null
    // (direct mode without a readable config): counters only.
    status::StatusReport observe_status(const config::Config* cfg);

    const rules::KernelFeatures& features();

private:
    bool observe(const config::LoadedConfig& cfg, ReconcileResult& r);
    void apply_nft(ReconcileResult& r);
    void apply_net(ReconcileResult& r);
    void check_nft(ReconcileResult& r);

    kernel::NftBackend& nft_;
    kernel::NetBackend& net_;
    const host::Accounts& accounts_;
    FeatureProbe probe_;
    std::optional<rules::KernelFeatures> features_;

    // State of the run in progress, between observe and apply.
    nft::Ruleset desired_nft_;
    nft::RulesetDiff nft_diff_;
    netstate::NetDiff net_diff_;
};

// uids/gids of the users and groups egress rules name; a missing one is a
// fatal problem (nothing may be applied without it).
void resolve_owners(const config::Config& cfg, const host::Accounts& accounts, rules::Facts& facts,
                    std::vector<Problem>& problems);

// Errors of the kernel layers as reconcile Problems.
std::vector<Problem> problems_of(const kernel::KernelError& e);
void add_problems(std::vector<Problem>& to, const kernel::KernelError& e);

}  // namespace gw::reconcile
