// One reconcile: observe the kernel once (its tables, links and addresses),
// gather facts from that, compile the nft ruleset and netlink state wanted,
// make one Plan (rules/plan) and, in apply mode, hand it to the kernel.
// Shared by the daemon and by gwctl's direct mode. Atomic where the kernel
// allows it: nothing is sent when facts cannot be gathered (a missing user)
// or the nft part fails; the nft change is one transaction (or one
// element-only update when only set elements differ, e.g. an uplink's
// address in the hairpin set); netlink requests follow. Between runs it
// keeps only an AppliedView of its last apply (applied_view.hpp), which a
// run caused by kernel events may trust instead of dumping the tables.
#pragma once

#include <functional>
#include <optional>

#include "daemon/kernel/kernel.hpp"
#include "daemon/config/file.hpp"
#include "daemon/host/accounts.hpp"
#include "daemon/reconcile/applied_view.hpp"
#include "daemon/reconcile/result.hpp"
#include "daemon/status/status.hpp"

namespace gw::reconcile {

using FeatureProbe = std::function<rules::KernelFeatures()>;

// How much of gatewayd's tables a run reads.
enum class Observe {
    full,              // dump and decode them; compile and encode the whole ruleset
    since_last_apply,  // trust the last apply's view while the nft generation has not moved,
                       // the config is the same and only uplink addresses changed: recompile
                       // the sets those feed, send their elements; else the full way
};

class Reconciler {
public:
    // `probe` runs once, on first use; without one every feature is off
    // except br_netfilter.
    Reconciler(kernel::Kernel& kernel, const host::Accounts& accounts, FeatureProbe probe = {});

    // `observe` counts in apply mode only: diff and check always read everything.
    ReconcileResult run(const config::LoadedConfig& cfg, Mode mode, Observe observe = Observe::full);
    // The next run reads everything (events were lost: a full resync).
    void forget_applied() { view_.reset(); }

    // Facts compilation needs: each uplink's interface name and addresses
    // (from `addresses`, one observation of the kernel), uids/gids of egress
    // rules, kernel features. A missing user is a fatal problem.
    rules::Facts gather_facts(const config::Config& cfg, const kernel::AddressMap& addresses,
                              std::vector<Problem>& problems);

    // Links, addresses and counters for `gwctl status`; `cfg` may be null
    // (direct mode without a readable config): counters only.
    status::StatusReport observe_status(const config::Config* cfg);

    const rules::KernelFeatures& features();

    // Where delegated prefixes come from (the daemon's DHCPv6 clients);
    // unset, as in gwctl's direct mode, no uplink holds one.
    using DelegationSource = std::function<std::map<std::string, rules::Delegation, std::less<>>()>;
    void set_delegations(DelegationSource source) { delegations_ = std::move(source); }

private:
    // What the kernel holds of gatewayd's tables, links and addresses.
    std::optional<kernel::Observed> observe(ReconcileResult& r);
    // Facts, compile and the Plan; nullopt when something stopped the run.
    std::optional<plan::Plan> make_plan(const config::LoadedConfig& cfg, kernel::Observed observed,
                                        ReconcileResult& r);
    // Facts from the observed addresses; false (problems in `r`) when they stop the run.
    bool gather(const config::LoadedConfig& cfg, const kernel::AddressMap& addresses, ReconcileResult& r);
    // The netlink part: compile, read the sysctls it names, diff.
    std::optional<plan::NetPlan> plan_netlink(const config::Config& cfg, const rules::Facts& facts,
                                              netstate::NetState observed, ReconcileResult& r);
    void apply(const plan::Plan& plan, ReconcileResult& r);

    // The run on the view (reconciler_view.cpp); nullopt when the view does
    // not fit and the run must go the full way.
    std::optional<ReconcileResult> run_on_view(const config::LoadedConfig& cfg);
    // After an apply from the kernel state of generation `base`: the view of
    // what was applied, kept only when the commit was the only one since.
    void remember(const config::LoadedConfig& cfg, const ReconcileResult& r, const plan::NftPlan& nft,
                  std::uint32_t base);
    std::optional<std::uint32_t> generation_after(const ReconcileResult& r, nft::ChangeKind kind,
                                                  std::uint32_t base);

    kernel::Kernel& kernel_;
    const host::Accounts& accounts_;
    FeatureProbe probe_;
    std::optional<rules::KernelFeatures> features_;
    std::optional<AppliedView> view_;
    DelegationSource delegations_;
};

// A made Plan's kind, texts and change flags into the result.
void describe_plan(const plan::Plan& plan, ReconcileResult& r);

// uids/gids of the users and groups egress rules name; a missing one is a
// fatal problem (nothing may be applied without it).
void resolve_owners(const config::Config& cfg, const host::Accounts& accounts, rules::Facts& facts,
                    std::vector<Problem>& problems);

// Errors of the kernel layers as reconcile Problems.
std::vector<Problem> problems_of(const kernel::KernelError& e);
void add_problems(std::vector<Problem>& to, const kernel::KernelError& e);

}  // namespace gw::reconcile
