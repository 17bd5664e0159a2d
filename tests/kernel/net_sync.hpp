// The netlink half of a reconcile on any Kernel (the in-memory one or the
// real one): observe, plan the netlink requests, apply them. For tests of
// the netlink state that need nothing between the steps.
#pragma once

#include <memory>
#include <stdexcept>

#include "daemon/kernel/kernel.hpp"
#include "daemon/kernel/linux_kernel.hpp"
#include "daemon/kernel/rtnl/error.hpp"
#include "rules/netstate/owner.hpp"

namespace gw::test {

// The real kernel of the namespace the test runs in, usable wherever a
// Kernel& is asked for.
class RealKernel {
public:
    RealKernel() {
        auto k = kernel::LinuxKernel::open();
        if (!k) throw std::runtime_error(k.error().describe());
        kernel_ = std::move(*k);
    }
    operator kernel::Kernel&() { return *kernel_; }
    kernel::Kernel& get() { return *kernel_; }

private:
    std::unique_ptr<kernel::LinuxKernel> kernel_;
};

struct SyncReport {
    plan::NetPlan diff;            // what was found different before applying
    kernel::ApplyReport applied;   // applied count and transient failures
};

inline std::expected<netstate::NetState, kernel::KernelError> observe_scope(kernel::Kernel& k,
                                                                            const netstate::NetState& scope) {
    kernel::Scope s{.nft = false, .net = true, .sysctls = {}};
    for (const auto& x : scope.sysctls) s.sysctls.push_back(x.path);
    auto seen = k.observe(s);
    if (!seen) return std::unexpected(seen.error());
    return netstate::restrict_to_scope(seen->net, scope);
}

inline std::expected<kernel::AddressMap, kernel::KernelError> observe_addresses(kernel::Kernel& k) {
    auto seen = k.observe({.nft = false, .net = true, .sysctls = {}});
    if (!seen) return std::unexpected(seen.error());
    return seen->addresses;
}

// `ops` as a plan's netlink part; a fatal error comes back as the error,
// transient ones in the report.
inline kernel::ApplyResult apply_ops(kernel::Kernel& k, std::vector<netstate::NetOp> ops) {
    plan::Plan p;
    p.net.ops = std::move(ops);
    auto outcome = k.apply(p);
    kernel::ApplyReport report;
    report.applied = outcome.net_applied;
    for (auto& e : outcome.errors) {
        if (!e.transient()) return std::unexpected(std::move(e));
        report.transient.push_back(std::move(e));
    }
    return report;
}

inline std::expected<SyncReport, kernel::KernelError> sync_netstate(kernel::Kernel& k,
                                                                    const netstate::NetState& desired) {
    auto observed = observe_scope(k, desired);
    if (!observed) return std::unexpected(observed.error());
    SyncReport report;
    report.diff = plan::plan_net(desired, *observed);
    auto applied = apply_ops(k, report.diff.ops);
    if (!applied) return std::unexpected(applied.error());
    report.applied = std::move(*applied);
    return report;
}

}  // namespace gw::test
