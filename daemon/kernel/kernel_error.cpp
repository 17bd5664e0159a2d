#include "daemon/kernel/kernel_error.hpp"

#include <cerrno>
#include <cstring>

namespace gw::kernel {

namespace {

std::string location(const config::Loc& loc, std::string_view file_name) {
    if (!loc.known()) return {};
    return std::string(file_name) + ":" + std::to_string(loc.line) + ":" +
           std::to_string(loc.col) + ": ";
}

std::string one_line(const KernelError& e, std::string_view file_name) {
    std::string out = location(e.origin, file_name);
    switch (e.stage) {
    case ErrorStage::encode: return out + "cannot " + e.operation + ": " + e.message;
    case ErrorStage::system: out += e.operation + ": "; break;
    case ErrorStage::kernel: out += "kernel rejected " + e.operation + ": "; break;
    }
    out += std::strerror(e.error);
    if (!e.message.empty()) out += " (" + e.message + ")";
    return out;
}

// nf_tables rarely attaches an extended ack; for the errors an operator
// meets most, say what the errno means for a ruleset.
std::string hint(int error) {
    switch (error) {
    case ENOENT: return "a chain or set it names, or the kernel module of one of its expressions, is missing";
    case EOPNOTSUPP: return "the running kernel does not support it";
    case ELOOP: return "the jumps between chains form a loop";
    default: return {};
    }
}

}  // namespace

// EEXIST never needs a case: creates go out without NLM_F_EXCL, so an object
// that exists already is no error. If the kernel still says EEXIST (two
// overlapping interval elements) the whole transaction was aborted: fatal.
ErrorClass classify(int error) {
    switch (error) {
    case ENOBUFS:   // socket buffer overrun: nothing wrong with the request
    case EBUSY:     // object in use by a concurrent transaction
    case EAGAIN:    // kernel asked to replay (module loading, generation change)
    case EINTR:
    case ENOMEM:
    case ERESTART:  // ruleset generation changed under the batch
        return ErrorClass::transient;
    default: return ErrorClass::fatal;
    }
}

std::string KernelError::describe(std::string_view file_name) const {
    std::string out = one_line(*this, file_name);
    for (const auto& m : more) out += "\n" + one_line(m, file_name);
    return out;
}

KernelError encode_error(std::string operation, std::string message, config::Loc origin) {
    return {ErrorStage::encode, std::move(operation), 0, std::move(message), origin,
            ErrorClass::fatal, {}};
}

KernelError system_error(std::string operation, int error, std::string message) {
    return {ErrorStage::system, std::move(operation), error, std::move(message), {},
            classify(error), {}};
}

KernelError kernel_rejection(std::string operation, int error, std::string ext_ack,
                             config::Loc origin) {
    if (ext_ack.empty()) ext_ack = hint(error);
    return {ErrorStage::kernel, std::move(operation), error, std::move(ext_ack), origin,
            classify(error), {}};
}

}  // namespace gw::kernel
