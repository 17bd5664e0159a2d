// Owning pointers for libnl-3 objects, built on the kernel layer's CFree
// deleter (daemon/kernel/c_ptr.hpp). Objects whose ownership passes to
// libnl (a nexthop added to a route) are handed over with a commented
// .release(); nothing else frees a libnl object by hand.
#pragma once

#include <cstdlib>
#include <memory>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <netlink/socket.h>

#include "daemon/kernel/c_ptr.hpp"

namespace gw::kernel {

inline void free_bytes(unsigned char* p) { std::free(p); }

using NlSockPtr = std::unique_ptr<nl_sock, CFree<nl_socket_free>>;
using NlCachePtr = std::unique_ptr<nl_cache, CFree<nl_cache_free>>;
using NlMsgPtr = std::unique_ptr<nl_msg, CFree<nlmsg_free>>;
using NlAddrPtr = std::unique_ptr<nl_addr, CFree<nl_addr_put>>;
using RtnlLinkPtr = std::unique_ptr<rtnl_link, CFree<rtnl_link_put>>;
using RtnlAddrPtr = std::unique_ptr<rtnl_addr, CFree<rtnl_addr_put>>;
using RtnlRoutePtr = std::unique_ptr<rtnl_route, CFree<rtnl_route_put>>;
using RtnlNexthopPtr = std::unique_ptr<rtnl_nexthop, CFree<rtnl_route_nh_free>>;
using RtnlRulePtr = std::unique_ptr<rtnl_rule, CFree<rtnl_rule_put>>;
// Receive buffers nl_recv() allocates with malloc().
using NlBufferPtr = std::unique_ptr<unsigned char, CFree<free_bytes>>;

}  // namespace gw::kernel
