// Executing a plan's netlink operations against the kernel, one
// acknowledged request (or /proc/sys write) each, in the order given (the
// plan's, netstate::order_ops). EEXIST on
// create and "already gone" on delete are success; transient failures are
// collected and the rest still applied; the first fatal one stops the run
// and undoes what the run had changed (rules/netstate/undo.hpp).
#pragma once

#include <vector>

#include "daemon/kernel/rtnl/error.hpp"
#include "rules/netstate/diff.hpp"

namespace gw::kernel {

// What a transient failure (a link not there yet, a gateway not reachable
// yet) does to the run: the daemon retries it on its next reconcile, so the
// rest is kept; gwctl's direct mode has nobody to retry, so the whole run
// is undone and the failure is fatal.
enum class OnTransient {
    keep_and_retry,  // the daemon
    undo_all,        // a one-shot apply: all or nothing
};

ApplyResult apply_netstate_ops(const std::vector<netstate::NetOp>& ops,
                               OnTransient on_transient = OnTransient::keep_and_retry);

}  // namespace gw::kernel
