// One request to the kernel and its answer. libnl builds the messages, but
// its own send/ack path reduces the kernel's errno to libnl codes and drops
// the extended ack; here the ack is read directly so errors keep the errno
// and the kernel's explanation ("Nexthop device is not up").
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "daemon/kernel/rtnl/error.hpp"
#include "daemon/kernel/rtnl/objects.hpp"

namespace gw::kernel {

// A connected NETLINK_ROUTE socket with extended acks enabled.
std::expected<NlSockPtr, KernelError> open_rtnl_socket(std::string_view purpose);

struct Ack {
    int error = 0;        // errno; 0 = success
    std::string message;  // extended ack text or gatewayd's reason; may be empty
    ErrorStage stage = ErrorStage::kernel;  // system: the request never got an answer
};

// Sends `msg` (with NLM_F_ACK) and waits for the kernel's answer to it.
Ack send_request(nl_sock* sock, nl_msg* msg);

// An errno for a negative libnl error code, for errors raised inside libnl.
int errno_of_nl_error(int nl_error);

}  // namespace gw::kernel
