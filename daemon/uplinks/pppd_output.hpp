// What gatewayd learns from pppd's log lines (pppd writes them to stdout
// with `nodetach`): the peer and the DNS servers IPCP negotiated, and what
// an exit status means. Up and down come from netlink, not from here. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::uplinks {

struct IpcpInfo {
    std::string local;              // "local  IP address A"
    std::string peer;               // "remote IP address P"
    std::vector<std::string> dns;   // primary, then secondary
};

// Folds one line into `info`; true when it carried something.
bool parse_pppd_line(std::string_view line, IpcpInfo& info);

// pppd's exit status in words (pppd(8), EXIT STATUS).
std::string pppd_exit_meaning(int status);

}  // namespace gw::uplinks
