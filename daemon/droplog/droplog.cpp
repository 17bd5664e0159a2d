#include "daemon/droplog/droplog.hpp"

#include <net/if.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <vector>

#include "daemon/droplog/fields.hpp"
#include "daemon/loop/log.hpp"

namespace gw::droplog {
namespace {

constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

std::string if_name(std::uint32_t ifindex) {
    char name[IF_NAMESIZE] = {};
    return if_indextoname(ifindex, name) ? name : std::to_string(ifindex);
}

// sd_journal_sendv: 0, or a negative errno (no journal, a full socket).
int send_to_journal(const Fields& fields, const std::string& message) {
    std::vector<std::string> lines{"MESSAGE=" + message, "MESSAGE_ID=" + std::string(kMessageId),
                                   "SYSLOG_IDENTIFIER=" + std::string(kIdentifier),
                                   "PRIORITY=" + std::to_string(static_cast<int>(loop::LogLevel::info))};
    for (const auto& [name, value] : fields) lines.push_back(name + "=" + value);
    std::vector<iovec> iov;
    for (auto& l : lines) iov.push_back({l.data(), l.size()});
    return sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

}  // namespace

DropLog::DropLog(std::unique_ptr<kernel::NflogSocket> sock)
    : sock_(std::move(sock)), journal_(::access(kJournalSocket, W_OK) == 0) {}

std::expected<std::unique_ptr<DropLog>, std::string> DropLog::open(loop::EventLoop& loop, std::uint16_t group) {
    auto sock = kernel::NflogSocket::open(group);
    if (!sock) return std::unexpected(sock.error());
    std::unique_ptr<DropLog> log(new DropLog(std::move(*sock)));
    if (auto ok = loop.watch_fd(log->sock_->fd(), [l = log.get()] { l->on_readable(); }); !ok)
        return std::unexpected(ok.error());
    return log;
}

void DropLog::on_readable() {
    unsigned lost = sock_->drain([this](const kernel::NflogPacket& p) { write(p); });
    if (lost) loop::log_warning("drop log: the receive buffer overflowed; some entries are lost");
}

void DropLog::write(const kernel::NflogPacket& packet) {
    Fields fields = drop_fields(packet, if_name);
    std::string message = drop_message(fields);
    if (journal_ && send_to_journal(fields, message) >= 0) return;
    loop::log_info("drop log: " + drop_fields_line(fields));
}

}  // namespace gw::droplog
