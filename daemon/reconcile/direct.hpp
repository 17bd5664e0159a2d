// The kernel reached directly, with no daemon in between: the real kernel
// (LinuxKernel), the system's accounts and a Reconciler over them, as
// gwctl uses them when gatewayd is not running (root, current network
// namespace). Nothing is retried in this mode, so the netlink half is all
// or nothing: a failure of any kind undoes what the run had changed.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "daemon/kernel/linux_kernel.hpp"
#include "daemon/reconcile/reconciler.hpp"

namespace gw::reconcile {

class DirectKernel {
public:
    static std::expected<std::unique_ptr<DirectKernel>, std::string> open();
    Reconciler& reconciler() { return *reconciler_; }
    const host::Accounts& accounts() const { return accounts_; }

private:
    DirectKernel() = default;

    std::unique_ptr<kernel::LinuxKernel> kernel_;
    host::SystemAccounts accounts_;
    std::unique_ptr<Reconciler> reconciler_;
};

}  // namespace gw::reconcile
