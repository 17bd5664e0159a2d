// Change notifications for links, addresses, routes and rules. The socket
// is non-blocking; the daemon's event loop watches fd() and calls
// dispatch() when it is readable. Events carry no data on purpose: they
// only mark the state dirty, and a later reconcile dumps everything. A
// receive-buffer overrun means events were lost, so it asks for a full
// resync (and the buffer grows, as netifd does).
#pragma once

#include <functional>
#include <memory>

#include "daemon/kernel/rtnl/error.hpp"
#include "daemon/kernel/rtnl/objects.hpp"

namespace gw::kernel {

class NetEvents {
public:
    // full_resync: events were lost; anything cached must be re-dumped.
    using Callback = std::function<void(bool full_resync)>;

    // Subscribe before the first dump so that no change falls in between.
    static std::expected<std::unique_ptr<NetEvents>, KernelError> open(Callback on_change);

    NetEvents(const NetEvents&) = delete;  // libnl keeps a pointer to it
    NetEvents& operator=(const NetEvents&) = delete;

    int fd() const;
    // Reads everything pending without blocking; calls the callback at most
    // once. Returns the number of messages seen (an overrun counts as one).
    int dispatch();

private:
    NetEvents(NlSockPtr sock, Callback cb);
    static int on_message(nl_msg* msg, void* self);

    NlSockPtr sock_;
    Callback callback_;
    int messages_ = 0;
    int buffer_size_;
};

}  // namespace gw::kernel
