#include "rules/netstate/undo.hpp"

namespace gw::netstate {
namespace {

NetOp op(OpKind kind, NetObject object, std::optional<NetObject> before = std::nullopt) {
    return NetOp{kind, std::move(object), std::move(before)};
}

}  // namespace

// A created link goes again (marked owned so the delete is allowed) and an
// owned link that was deleted is created again with its kind, master and
// MTU; a link without a kind is an existing device gatewayd neither
// created nor may create. A changed object takes back what was observed.
std::optional<NetOp> undo_op(const NetOp& done) {
    const auto* link = std::get_if<Link>(&done.object);
    switch (done.kind) {
    case OpKind::add: {
        if (link) {
            if (link->kind.empty()) return std::nullopt;
            Link created = *link;
            created.owned = true;
            return op(OpKind::remove, created);
        }
        // A sysctl is never created: "add" means it could not be read.
        if (std::holds_alternative<Sysctl>(done.object)) return std::nullopt;
        return op(OpKind::remove, done.object);
    }
    case OpKind::remove:
        if (link && link->kind.empty()) return std::nullopt;
        return op(OpKind::add, done.object);
    case OpKind::change:
        if (!done.before) return std::nullopt;
        return op(OpKind::change, *done.before, done.object);
    }
    return std::nullopt;
}

std::vector<NetOp> undo_ops(const std::vector<NetOp>& done) {
    std::vector<NetOp> out;
    for (auto it = done.rbegin(); it != done.rend(); ++it)
        if (auto undo = undo_op(*it)) out.push_back(std::move(*undo));
    return out;
}

}  // namespace gw::netstate
