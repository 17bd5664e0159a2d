// The libnl-3 objects of the rtnl room, each owned (daemon/owned.hpp).
// Objects whose ownership passes to libnl (a nexthop added to a route) are
// handed over with a commented .release().
#pragma once

#include <cstdlib>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <netlink/socket.h>

#include "daemon/owned.hpp"

namespace gw::kernel {

inline void free_bytes(unsigned char* p) { std::free(p); }

using NlSockPtr = Owned<nl_sock, nl_socket_free>;
using NlCachePtr = Owned<nl_cache, nl_cache_free>;
using NlMsgPtr = Owned<nl_msg, nlmsg_free>;
using NlAddrPtr = Owned<nl_addr, nl_addr_put>;
using RtnlLinkPtr = Owned<rtnl_link, rtnl_link_put>;
using RtnlAddrPtr = Owned<rtnl_addr, rtnl_addr_put>;
using RtnlRoutePtr = Owned<rtnl_route, rtnl_route_put>;
using RtnlNexthopPtr = Owned<rtnl_nexthop, rtnl_route_nh_free>;
using RtnlRulePtr = Owned<rtnl_rule, rtnl_rule_put>;
// Receive buffers nl_recv() allocates with malloc().
using NlBufferPtr = Owned<unsigned char, free_bytes>;

}  // namespace gw::kernel
