// Desired vs observed NetState -> the operations that make the kernel equal
// to the desired state, in the order they must run, and the same as
// unified-diff-style text (`+` added, `-` removed; a change is both).
// Only objects gatewayd owns (owner.hpp) are ever removed.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rules/netstate/model.hpp"

namespace gw::netstate {

using NetObject = std::variant<Link, Address, Route, Rule, Sysctl>;

enum class OpKind {
    add,    // create the object (EEXIST counts as done)
    remove, // delete an owned object nobody wants any more
    change, // same kernel slot, other content: modify in place
};

struct NetOp {
    OpKind kind = OpKind::add;
    NetObject object;                 // add: to create; remove: to delete; change: the wanted value
    std::optional<NetObject> before;  // change only: the observed value being replaced
    config::Loc loc() const;          // where the config asked for it (unknown for removals)
};

struct NetDiff {
    std::vector<NetOp> ops;  // in apply order (order_ops)
    std::string text;        // render_ops(ops)
    bool empty() const { return ops.empty(); }
};

// `observed` is the kernel's state cut to `desired` (restrict_to_scope);
// objects in it that gatewayd does not own are never removed even if present.
NetDiff diff_netstate(const NetState& desired, const NetState& observed);

// Phases: links, sysctls, rule/route/address removals, then address, route
// and rule additions, so that nothing is created before what it depends on
// and a route goes before the address it uses. Stable within a phase.
int op_phase(const NetOp& op);
void order_ops(std::vector<NetOp>& ops);

std::string render_object(const NetObject& o);
// "+line" / "-line"; a change is "-before" then "+after". Each line ends in '\n'.
std::string render_op(const NetOp& op);
std::string render_ops(const std::vector<NetOp>& ops);

}  // namespace gw::netstate
