// What a kernel answer means for one netlink operation, and the results of
// observe/apply. Errors are the kernel layer's KernelError (operation as its
// diff line, errno, extended ack, config line). EEXIST on create and
// "already gone" on delete count as done; a device that has not appeared
// yet (and a few other passing conditions) is transient: the caller retries
// on the next reconcile. Everything else is fatal.
#pragma once

#include <cstddef>
#include <expected>
#include <map>
#include <string>
#include <vector>

#include "daemon/kernel/kernel_error.hpp"
#include "rules/net/address.hpp"
#include "rules/netstate/diff.hpp"

namespace gw::kernel {

enum class Outcome {
    done,      // the kernel is as asked (including EEXIST on create)
    transient, // retry later: missing device, busy, out of buffers, ...
    fatal,     // the request itself is wrong; retrying cannot help
};

Outcome classify_netstate_error(const netstate::NetOp& op, int err);

// stage: kernel when the kernel answered, system when the request never
// reached it (the link to resolve is missing, a /proc/sys write failed).
KernelError make_op_error(const netstate::NetOp& op, ErrorStage stage, int err,
                          std::string detail);

struct ApplyReport {
    std::size_t applied = 0;              // operations the kernel now reflects
    std::vector<KernelError> transient;   // operations to retry on the next reconcile
    bool complete() const { return transient.empty(); }
};

using ApplyResult = std::expected<ApplyReport, KernelError>;

}  // namespace gw::kernel
