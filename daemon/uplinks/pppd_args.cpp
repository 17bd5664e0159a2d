// pppd's command line for a PPPoE uplink (see pppd_args.hpp for the rules).
#include "daemon/uplinks/pppd_args.hpp"

#include "rules/facts.hpp"

namespace gw::uplinks {

namespace {

// A harmless script for pppd's ip-up/ip-down: the distribution's
// /etc/ppp/ip-up.d hooks would rewrite resolv.conf and routes, which
// gatewayd owns.
constexpr const char* kNoScript = "/bin/true";

void add(std::vector<std::string>& argv, std::initializer_list<std::string> words) {
    argv.insert(argv.end(), words);
}

}  // namespace

std::vector<std::string> pppd_argv(const config::Uplink& u, const std::string& pppd_path) {
    std::vector<std::string> argv{pppd_path};
    // Options from /etc/ppp/options (Debian's has `auth`, which a PPPoE
    // client must not ask of its ISP) are overridden below.
    add(argv, {"nodetach", "noauth", "nodefaultroute", "noipdefault", "hide-password", "maxfail", "1"});
    add(argv, {"plugin", "pppoe.so", "nic-" + u.device.value});
    if (u.service) add(argv, {"rp_pppoe_service", u.service->value});
    if (u.ac_name) add(argv, {"rp_pppoe_ac", u.ac_name->value});
    add(argv, {"ifname", rules::default_uplink_ifname(u)});
    if (u.username) add(argv, {"user", u.username->value});
    add(argv, {"plugin", "passwordfd.so", "passwordfd", std::to_string(kPasswordFd)});
    std::string mtu = std::to_string(u.mtu ? u.mtu->value : kDefaultPppoeMtu);
    add(argv, {"mtu", mtu, "mru", mtu});
    add(argv, {"lcp-echo-interval", std::to_string(u.lcp_echo.interval.value)});
    add(argv, {"lcp-echo-failure", std::to_string(u.lcp_echo.failures.value)});
    // usepeerdns only makes pppd ask for the servers and log them; the
    // ip-up script that would install them does nothing.
    if (u.use_dns.value) argv.push_back("usepeerdns");
    add(argv, {"ip-up-script", kNoScript, "ip-down-script", kNoScript});
    // IPv6CP gives the link its link-local addresses; the global ones come by
    // RA (accept_ra=2 on the ppp link) and the LAN's by DHCPv6-PD. Without
    // `ipv6: true` pppd keeps to IPv4, as it always has here. Debian 12's
    // pppd (2.4.9) has no ipv6-up-script option (refused as unknown, pppd
    // exits): it runs /etc/ppp/ipv6-up, whose ipv6-up.d is empty on Debian.
    if (u.ipv6.value != config::UplinkIpv6::off) argv.push_back("+ipv6");
    return argv;
}

std::string pppd_identity(const config::Uplink& u, const std::string& pppd_path) {
    std::string id;
    for (const auto& word : pppd_argv(u, pppd_path)) id += word + '\n';
    // The password is read at each start; which file it comes from is part
    // of what the session was started with.
    id += "password-file " + (u.password_file ? u.password_file->value : std::string());
    return id;
}

}  // namespace gw::uplinks
