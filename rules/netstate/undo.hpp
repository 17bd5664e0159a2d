// What puts one applied netlink operation back: an added object removed, a
// removed one added, a changed one changed back to the value observed
// before. A direct apply that fails half-way runs these for the operations
// it had done, newest first, so the links, addresses, routes, rules and
// sysctls are left as they were (the nft half is one atomic batch already).
// Pure: the kernel layer decides which operations were really done (an
// EEXIST "success" changed nothing and has nothing to undo).
#pragma once

#include <optional>
#include <vector>

#include "rules/netstate/diff.hpp"

namespace gw::netstate {

// nullopt when nothing can put it back (a sysctl that had no value, a link
// gatewayd did not create).
std::optional<NetOp> undo_op(const NetOp& done);

// The undo operations of `done` (in the order they were applied), newest
// first; operations without an undo are left out.
std::vector<NetOp> undo_ops(const std::vector<NetOp>& done);

}  // namespace gw::netstate
