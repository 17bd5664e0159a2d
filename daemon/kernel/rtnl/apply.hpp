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

ApplyResult apply_netstate_ops(const std::vector<netstate::NetOp>& ops);

}  // namespace gw::kernel
