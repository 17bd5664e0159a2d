// The ip6tnl part of a link (MAP-E tunnels): the netstate value onto a
// libnl link object and back. Always mode ipip6 with the encapsulation
// limit option off, as `ip -6 tunnel add ... mode ipip6 encaplimit none`.
#pragma once

#include <optional>

#include "daemon/kernel/rtnl/objects.hpp"
#include "rules/netstate/model.hpp"

namespace gw::kernel {

// Sets the type and the tunnel attributes on `link`; a libnl error code or 0.
int encode_ip6tnl(rtnl_link* link, const netstate::Ip6Tunnel& t);
// nullopt when `link` is not an ip6tnl link.
std::optional<netstate::Ip6Tunnel> decode_ip6tnl(rtnl_link* link);

}  // namespace gw::kernel
