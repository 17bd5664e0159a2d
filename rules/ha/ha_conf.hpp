// The ha section as the two programs that do the work read it: keepalived's
// configuration (VRRP) and conntrackd's (FTFW state sync). Pure text
// rendering; the daemon writes the files (0600: keepalived's holds the VRRP
// password) and runs the programs.
#pragma once

#include <map>
#include <string>

#include "rules/config/model.hpp"

namespace gw::ha {

// conntrackd's UDP port on the sync link; the input chain lets the peer in on it.
inline constexpr unsigned kConntrackdPort = 3780;

// The name keepalived gives the sync group of all instances, so that the
// LAN and a WAN instance change role together.
inline constexpr const char* kSyncGroup = "gatewayd";

// `secrets`: instance name -> VRRP password (from auth-secret-file).
std::string render_keepalived_conf(const config::Config& cfg, const std::map<std::string, std::string>& secrets);

struct ConntrackdPaths {
    std::string lock_file;    // conntrackd refuses to start while another holds it
    std::string control;      // its UNIX socket, for commit/flush/resync commands
};

// Empty when the config has no `ha.sync`.
std::string render_conntrackd_conf(const config::Config& cfg, const ConntrackdPaths& paths);

// The kernel link keepalived tracks for a track-links name: an interface's
// device, or an uplink's device (its Ethernet port: the PPPoE link itself
// exists on the MASTER only).
std::string tracked_link(const config::Config& cfg, const std::string& name);

}  // namespace gw::ha
