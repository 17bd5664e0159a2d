// conntrackd.conf from ha.sync: FTFW (reliable, acknowledged) over UDP on
// the dedicated link, the external cache kept (committed to the kernel
// when this box becomes MASTER), the gateway's own loopback and sync
// traffic left out.
#include <algorithm>
#include <sstream>

#include "rules/ha/ha_conf.hpp"

namespace gw::ha {

namespace {

// The sync link's own IPv4 address in the peer's network (validated to exist).
std::string local_address(const config::Config& cfg, const config::HaSync& sync) {
    const auto* itf = cfg.find_interface(sync.interface.value);
    if (!itf) return {};
    for (const auto& a : itf->addresses)
        if (a.value.address.family == net::Family::ipv4 && a.value.contains(sync.peer.value))
            return a.value.address.str();
    return {};
}

void render_sync(std::ostringstream& out, const config::Config& cfg, const config::HaSync& sync) {
    const auto* itf = cfg.find_interface(sync.interface.value);
    out << "Sync {\n"
        << "    Mode FTFW {\n"
        << "        DisableExternalCache Off\n"
        << "        CommitTimeout 1800\n"
        << "        PurgeTimeout 5\n"
        << "    }\n"
        << "    UDP {\n"
        << "        IPv4_address " << local_address(cfg, sync) << "\n"
        << "        IPv4_Destination_Address " << sync.peer.value.str() << "\n"
        << "        Port " << kConntrackdPort << "\n"
        << "        Interface " << (itf ? itf->link_name() : sync.interface.value) << "\n"
        << "        SndSocketBuffer 1249280\n"
        << "        RcvSocketBuffer 1249280\n"
        << "        Checksum on\n"
        << "    }\n"
        << "}\n";
}

void render_general(std::ostringstream& out, const config::Config& cfg, const ConntrackdPaths& paths) {
    out << "General {\n"
        << "    HashSize 32768\n"
        << "    HashLimit 131072\n"
        << "    Syslog off\n"
        << "    LogFile off\n"
        << "    LockFile " << paths.lock_file << "\n"
        << "    UNIX {\n        Path " << paths.control << "\n    }\n"
        << "    NetlinkBufferSize 2097152\n"
        << "    NetlinkBufferSizeMaxGrowth 8388608\n"
        << "    Filter From Userspace {\n"
        << "        Protocol Accept {\n            TCP\n            UDP\n            ICMP\n            IPv6-ICMP\n        }\n"
        << "        Address Ignore {\n"
        << "            IPv4_address 127.0.0.1\n"
        << "            IPv6_address ::1\n"
        << "            IPv4_address " << local_address(cfg, *cfg.ha->sync) << "\n"
        << "            IPv4_address " << cfg.ha->sync->peer.value.str() << "\n"
        << "        }\n"
        << "    }\n"
        << "}\n";
}

}  // namespace

std::string render_conntrackd_conf(const config::Config& cfg, const ConntrackdPaths& paths) {
    if (!cfg.ha || !cfg.ha->sync) return {};
    std::ostringstream out;
    out << "# written by gatewayd from " << cfg.file << "; edit that file instead\n";
    render_sync(out, cfg, *cfg.ha->sync);
    render_general(out, cfg, paths);
    return out.str();
}

}  // namespace gw::ha
