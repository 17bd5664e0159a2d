// The daemon's end of an NFLOG group: a netfilter netlink socket bound to
// the group in the daemon's own network namespace (groups are per
// namespace). The kernel keeps the rate limits, so what arrives here is
// already bounded; a receive overrun only loses log entries.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "daemon/kernel/nflog/decode.hpp"
#include "daemon/kernel/nft/objects.hpp"

namespace gw::kernel {

class NflogSocket {
public:
    using OnPacket = std::function<void(const NflogPacket&)>;

    // Fails when the group is taken (EBUSY: another listener, ulogd say) or
    // without CAP_NET_ADMIN.
    static std::expected<std::unique_ptr<NflogSocket>, std::string> open(std::uint16_t group);
    int fd() const;
    // Reads what is pending without blocking; one call per packet. Returns
    // how many entries the kernel dropped for a full buffer (ENOBUFS) meanwhile.
    unsigned drain(const OnPacket& on_packet);

private:
    explicit NflogSocket(MnlSocketPtr sock) : sock_(std::move(sock)) {}
    MnlSocketPtr sock_;
};

}  // namespace gw::kernel
