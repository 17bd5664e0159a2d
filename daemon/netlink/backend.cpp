#include "daemon/netlink/backend.hpp"

#include "daemon/netlink/apply.hpp"
#include "daemon/netlink/observe.hpp"

namespace gw::kernel {

ObserveResult LibnlNetBackend::observe(const netstate::NetState& scope) {
    return observe_netstate(scope);
}

ApplyResult LibnlNetBackend::apply(const std::vector<netstate::NetOp>& ops) {
    return apply_netstate_ops(ops);
}

AddressesResult LibnlNetBackend::observe_addresses(const std::vector<std::string>& ifnames) {
    return kernel::observe_addresses(ifnames);
}

std::expected<SyncReport, KernelError> sync_netstate(NetBackend& backend,
                                                  const netstate::NetState& desired) {
    auto observed = backend.observe(desired);
    if (!observed) return std::unexpected(observed.error());
    SyncReport report;
    report.diff = netstate::diff_netstate(desired, *observed);
    auto applied = backend.apply(report.diff.ops);
    if (!applied) return std::unexpected(applied.error());
    report.applied = std::move(*applied);
    return report;
}

}  // namespace gw::kernel
