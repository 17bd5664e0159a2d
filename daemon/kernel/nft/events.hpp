// nftables change notifications (NFNLGRP_NFTABLES on a libmnl socket), so
// that someone flushing or deleting gatewayd's tables by hand is noticed
// and repaired. Only a committed transaction that touched a table named
// `table` (any family) and was made by another process counts: the kernel
// ends each transaction's notifications with NEWGEN, which carries the
// committing pid, so the daemon's own batches do not wake it again. A
// receive overrun (ENOBUFS) counts as a change: something may have been lost.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <string>

#include <linux/netlink.h>

#include "daemon/kernel/nft/objects.hpp"

namespace gw::kernel {

// The pure part, fed one netlink message at a time (tested on packed bytes).
class NftEventFilter {
public:
    NftEventFilter(std::string table, std::uint32_t own_pid)
        : table_(std::move(table)), own_pid_(own_pid) {}
    // True when this message closes a foreign transaction that touched the table.
    bool feed(const nlmsghdr* nlh);

private:
    std::string table_;
    std::uint32_t own_pid_;
    bool touched_ = false;
};

class NftEvents {
public:
    using Callback = std::function<void()>;

    static std::expected<std::unique_ptr<NftEvents>, std::string> open(std::string table,
                                                                      Callback on_change);
    int fd() const;
    // Reads what is pending without blocking; calls the callback at most once.
    void dispatch();

private:
    NftEvents(kernel::MnlSocketPtr sock, std::string table, Callback cb);

    kernel::MnlSocketPtr sock_;
    NftEventFilter filter_;
    Callback callback_;
};

}  // namespace gw::kernel
