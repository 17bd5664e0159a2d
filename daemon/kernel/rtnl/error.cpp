#include "daemon/kernel/rtnl/error.hpp"

#include <cerrno>
#include <type_traits>

namespace gw::kernel {
namespace {

bool is_route(const netstate::NetOp& op) { return std::holds_alternative<netstate::Route>(op.object); }
bool is_sysctl(const netstate::NetOp& op) {
    return std::holds_alternative<netstate::Sysctl>(op.object);
}

bool already_gone(int err) {
    return err == ESRCH || err == ENOENT || err == EADDRNOTAVAIL || err == ENODEV;
}

bool passing(const netstate::NetOp& op, int err) {
    switch (err) {
    case ENODEV:   // the link is not there (yet)
    case ENOBUFS:
    case ENOMEM:
    case EBUSY:
    case EAGAIN:
    case EINTR:
        return true;
    // A gateway is reachable only once the link is up and has its address.
    case ENETUNREACH:
    case ENETDOWN:
        return is_route(op);
    // Per-link sysctl files exist only while the link does.
    case ENOENT:
        return is_sysctl(op);
    default:
        return false;
    }
}

}  // namespace

Outcome classify_netstate_error(const netstate::NetOp& op, int err) {
    if (err == 0) return Outcome::done;
    if (op.kind == netstate::OpKind::add && err == EEXIST) return Outcome::done;
    if (op.kind == netstate::OpKind::remove && already_gone(err)) return Outcome::done;
    return passing(op, err) ? Outcome::transient : Outcome::fatal;
}

KernelError make_op_error(const netstate::NetOp& op, ErrorStage stage, int err,
                          std::string detail) {
    std::string line = netstate::render_op(op);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    // A change renders as two lines; the error is about the new value.
    if (auto nl = line.rfind('\n'); nl != std::string::npos) line = line.substr(nl + 1);
    bool transient = classify_netstate_error(op, err) == Outcome::transient;
    return KernelError{stage, std::move(line), err, std::move(detail), op.loc(),
                       transient ? ErrorClass::transient : ErrorClass::fatal, {}};
}

}  // namespace gw::kernel
