// Errors of the kernel layer: what was being done, the errno, the kernel's
// extended-ack text and the config line that asked for it, so the operator
// reads "gateway.yaml:42:7: kernel rejected add rule inet gatewayd forward:
// No such file or directory". Classified once, here: transient errors are
// retried by the next reconcile, fatal ones are reported and not retried.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/config/source.hpp"

namespace gw::kernel {

enum class ErrorClass {
    transient,  // ENOBUFS, EBUSY, EAGAIN, ...: try again on the next reconcile
    fatal,      // the request itself is wrong; repeating it cannot help
};

enum class ErrorStage {
    encode,  // gatewayd could not express the object; nothing was sent
    system,  // socket, send or receive failed
    kernel,  // the kernel answered with an error for one message
};

struct KernelError {
    ErrorStage stage = ErrorStage::kernel;
    std::string operation;  // "add rule inet gatewayd forward", "open netlink socket"
    int error = 0;          // errno; 0 for encode errors
    std::string message;    // the kernel's extended ack, else gatewayd's reason or hint
    config::Loc origin;     // config line that produced the object, when known
    ErrorClass kind = ErrorClass::fatal;
    std::vector<KernelError> more;  // further rejections in the same transaction

    bool transient() const { return kind == ErrorClass::transient; }
    // One line per error, the first being this one.
    std::string describe(std::string_view file_name = "gateway.yaml") const;
};

ErrorClass classify(int error);

KernelError encode_error(std::string operation, std::string message, config::Loc origin = {});
KernelError system_error(std::string operation, int error, std::string message = {});
KernelError kernel_rejection(std::string operation, int error, std::string ext_ack,
                             config::Loc origin);

}  // namespace gw::kernel
