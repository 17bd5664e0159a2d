// The drop log on the daemon's loop: binds gatewayd's NFLOG group in the
// daemon's namespace and writes one journal entry per logged packet
// (fields.hpp). Without a journal socket (a test, a shell) the same fields
// go to stderr as one "drop log: GW_CLASS=... GW_DPORT=..." line.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "daemon/kernel/nflog/socket.hpp"
#include "daemon/loop/event_loop.hpp"

namespace gw::droplog {

class DropLog {
public:
    static std::expected<std::unique_ptr<DropLog>, std::string> open(loop::EventLoop& loop, std::uint16_t group);

private:
    explicit DropLog(std::unique_ptr<kernel::NflogSocket> sock);
    void on_readable();
    void write(const kernel::NflogPacket& packet);

    std::unique_ptr<kernel::NflogSocket> sock_;
    bool journal_;
};

}  // namespace gw::droplog
