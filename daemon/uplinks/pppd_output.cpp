// Parsing pppd's IPCP log lines and naming its exit statuses.
#include "daemon/uplinks/pppd_output.hpp"

#include <arpa/inet.h>

#include <array>

namespace gw::uplinks {

namespace {

// "primary   DNS address 192.0.2.53" -> "192.0.2.53" when the line starts
// with `prefix` (pppd pads the words with varying spaces) and ends in an
// IPv4 address.
std::optional<std::string> address_after(std::string_view line, std::string_view first, std::string_view rest) {
    auto start = line.find_first_not_of(' ');
    if (start == std::string_view::npos || line.substr(start, first.size()) != first) return std::nullopt;
    line.remove_prefix(start + first.size());
    auto words = line.find_first_not_of(' ');
    if (words == std::string_view::npos || line.substr(words, rest.size()) != rest) return std::nullopt;
    std::string text(line.substr(words + rest.size()));
    text.erase(0, text.find_first_not_of(' '));
    text.erase(text.find_last_not_of(" \r") + 1);
    in_addr a{};
    if (inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
    return text;
}

// pppd logs the primary server first; a new negotiation starts the list
// over. A peer that names one server makes pppd log it as both primary and
// secondary: it is one server.
void set_dns(IpcpInfo& info, bool primary, std::string address) {
    if (primary) info.dns.clear();
    if (info.dns.size() >= 2) info.dns.resize(1);
    if (!info.dns.empty() && info.dns.front() == address) return;
    info.dns.push_back(std::move(address));
}

}  // namespace

bool parse_pppd_line(std::string_view line, IpcpInfo& info) {
    if (auto a = address_after(line, "local", "IP address ")) info.local = *a;
    else if (auto p = address_after(line, "remote", "IP address ")) info.peer = *p;
    else if (auto d1 = address_after(line, "primary", "DNS address ")) set_dns(info, true, *d1);
    else if (auto d2 = address_after(line, "secondary", "DNS address ")) set_dns(info, false, *d2);
    else return false;
    return true;
}

std::string pppd_exit_meaning(int status) {
    static constexpr std::array<const char*, 20> kMeanings = {
        "terminated normally",
        "fatal error",
        "error in the options",
        "not run as root",
        "no PPP support in the kernel",
        "terminated by a signal",
        "could not lock the device",
        "could not open the device",
        "the connect script failed",
        "the pty command could not run",
        "PPP negotiation failed",
        "the peer refused to authenticate",
        "idle timeout",
        "connect time limit",
        "callback negotiated",
        "the peer stopped answering LCP echo requests",
        "the modem hung up",
        "loopback detected",
        "the init script failed",
        "authentication to the peer failed",
    };
    if (status >= 0 && static_cast<std::size_t>(status) < kMeanings.size())
        return kMeanings[status];
    return "exit status " + std::to_string(status);
}

}  // namespace gw::uplinks
