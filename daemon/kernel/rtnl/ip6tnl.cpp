#include "daemon/kernel/rtnl/ip6tnl.hpp"

#include <linux/ip6_tunnel.h>
#include <netinet/in.h>
#include <netlink/route/link/ip6tnl.h>

#include <cstring>

namespace gw::kernel {
namespace {

in6_addr to_in6(const net::Address& a) {
    in6_addr out{};
    std::memcpy(out.s6_addr, a.bytes.data(), 16);
    return out;
}

net::Address from_in6(const in6_addr& a) {
    net::Address out;
    out.family = net::Family::ipv6;
    std::memcpy(out.bytes.data(), a.s6_addr, 16);
    return out;
}

}  // namespace

int encode_ip6tnl(rtnl_link* link, const netstate::Ip6Tunnel& t) {
    if (int rc = rtnl_link_set_type(link, "ip6tnl"); rc < 0) return rc;
    in6_addr local = to_in6(t.local), remote = to_in6(t.remote);
    if (int rc = rtnl_link_ip6_tnl_set_local(link, &local); rc < 0) return rc;
    if (int rc = rtnl_link_ip6_tnl_set_remote(link, &remote); rc < 0) return rc;
    if (int rc = rtnl_link_ip6_tnl_set_proto(link, IPPROTO_IPIP); rc < 0) return rc;
    return rtnl_link_ip6_tnl_set_flags(link, IP6_TNL_F_IGN_ENCAP_LIMIT);
}

std::optional<netstate::Ip6Tunnel> decode_ip6tnl(rtnl_link* link) {
    if (!rtnl_link_is_ip6_tnl(link)) return std::nullopt;
    in6_addr local{}, remote{};
    rtnl_link_ip6_tnl_get_local(link, &local);
    rtnl_link_ip6_tnl_get_remote(link, &remote);
    bool ipip6 = rtnl_link_ip6_tnl_get_proto(link) == IPPROTO_IPIP;
    bool no_limit = (rtnl_link_ip6_tnl_get_flags(link) & IP6_TNL_F_IGN_ENCAP_LIMIT) != 0;
    return netstate::Ip6Tunnel{from_in6(local), from_in6(remote), ipip6 && no_limit};
}

}  // namespace gw::kernel
