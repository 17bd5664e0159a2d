// The command line gatewayd gives pppd (Debian 12's pppd 2.4.9) for one
// PPPoE uplink: kernel-mode PPPoE, the link named after the uplink, no
// default route or DNS rewriting by pppd, no `persist` (gatewayd restarts
// it), and the password through the passwordfd plugin on kPasswordFd —
// never on the command line. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rules/config/model.hpp"

namespace gw::uplinks {

// The descriptor pppd reads the password from (a pipe the daemon filled).
inline constexpr int kPasswordFd = 3;
// PPPoE over a 1500-byte Ethernet: 8 bytes of PPPoE/PPP header, and room to spare.
inline constexpr std::uint32_t kDefaultPppoeMtu = 1454;

// argv[0] is `pppd_path`.
std::vector<std::string> pppd_argv(const config::Uplink& uplink, const std::string& pppd_path);

// What a running pppd was started from: when it differs for the same uplink
// in a new config, the session is restarted; otherwise it keeps running.
std::string pppd_identity(const config::Uplink& uplink, const std::string& pppd_path);

}  // namespace gw::uplinks
