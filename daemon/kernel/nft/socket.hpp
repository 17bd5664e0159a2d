// The NETLINK_NETFILTER socket: sending one batch and collecting the
// kernel's per-message errors (with extended acks), and dump requests.
// Knows nothing of tables or rules; nft_batch.cpp and nft_observe.cpp give
// it messages and read what comes back.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/kernel/nft/objects.hpp"
#include "daemon/kernel/kernel_error.hpp"

struct nlmsghdr;

namespace gw::kernel {

// The kernel's answer to one message of a batch that it refused.
struct MessageError {
    std::uint32_t seq = 0;
    int error = 0;        // positive errno
    std::string ext_ack;  // NLMSGERR_ATTR_MSG, empty when the kernel gave none
};

class NftSocket {
public:
    static std::expected<NftSocket, KernelError> open();

    std::uint32_t next_seq() { return seq_++; }
    // Keeps the counter ahead of sequence numbers a batch used.
    void skip_to(std::uint32_t seq) { seq_ = seq; }

    // Sends the batch in one sendmsg(). The kernel processes a batch while
    // the call runs, so every error it has to report is queued when it
    // returns; those are read without blocking.
    std::expected<std::vector<MessageError>, KernelError> send_batch(
        const std::vector<iovec>& iov, std::size_t total_len);

    // Sends a dump request and calls on_message for every reply until
    // NLMSG_DONE. EINTR from the kernel (dump interrupted by a concurrent
    // change) is returned as a transient error.
    std::expected<void, KernelError> dump(const nlmsghdr* request,
                                          const std::function<bool(const nlmsghdr*)>& on_message);

private:
    explicit NftSocket(MnlSocketPtr sock);

    MnlSocketPtr sock_;
    std::unique_ptr<char[]> recv_buf_;  // replies to dumps and batches land here
    std::uint32_t portid_ = 0;
    std::uint32_t seq_ = 0;
};

}  // namespace gw::kernel
