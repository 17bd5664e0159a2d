// One reconcile: observe the kernel once (its tables, links and addresses),
// gather facts from that, compile the nft ruleset and netlink state wanted,
// make one Plan (rules/plan) and, in apply mode, hand it to the kernel.
// Shared by the daemon and by gwctl's direct mode. Atomic where the kernel
// allows it: nothing is sent when facts cannot be gathered (a missing user)
// or the nft part fails; the nft change is one transaction (or one
// element-only update when only set elements differ, e.g. an uplink's
// address in the hairpin set); netlink requests follow. Nothing of a run is
// kept between runs.
#pragma once

#include <functional>
#include <optional>

#include "daemon/kernel/kernel.hpp"
#include "daemon/config/file.hpp"
#include "daemon/host/accounts.hpp"
#include "daemon/reconcile/result.hpp"
#include "daemon/status/status.hpp"

namespace gw::reconcile {

using FeatureProbe = std::function<rules::KernelFeatures()>;

class Reconciler {
public:
    // `probe` runs once, on first use; without one every feature is off
    // except br_netfilter.
    Reconciler(kernel::Kernel& kernel, const host::Accounts& accounts, FeatureProbe probe = {});

    ReconcileResult run(const config::LoadedConfig& cfg, Mode mode);

    // Facts compilation needs: each uplink's interface name and addresses
    // (from `addresses`, one observation of the kernel), uids/gids of egress
    // rules, kernel features. A missing user is a fatal problem.
    rules::Facts gather_facts(const config::Config& cfg, const kernel::AddressMap& addresses,
                              std::vector<Problem>& problems);

    // Links, addresses and counters for `gwctl status`; `cfg` may be null
    // (direct mode without a readable config): counters only.
    status::StatusReport observe_status(const config::Config* cfg);

    const rules::KernelFeatures& features();

private:
    // What the kernel holds of gatewayd's tables, links and addresses.
    std::optional<kernel::Observed> observe(ReconcileResult& r);
    // Facts, compile and the Plan; nullopt when something stopped the run.
    std::optional<plan::Plan> make_plan(const config::LoadedConfig& cfg, kernel::Observed observed,
                                        ReconcileResult& r);
    void apply(const plan::Plan& plan, ReconcileResult& r);

    kernel::Kernel& kernel_;
    const host::Accounts& accounts_;
    FeatureProbe probe_;
    std::optional<rules::KernelFeatures> features_;
};

// uids/gids of the users and groups egress rules name; a missing one is a
// fatal problem (nothing may be applied without it).
void resolve_owners(const config::Config& cfg, const host::Accounts& accounts, rules::Facts& facts,
                    std::vector<Problem>& problems);

// Errors of the kernel layers as reconcile Problems.
std::vector<Problem> problems_of(const kernel::KernelError& e);
void add_problems(std::vector<Problem>& to, const kernel::KernelError& e);

}  // namespace gw::reconcile
