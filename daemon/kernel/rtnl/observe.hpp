// Reading the kernel's netlink state: one dump each of links, addresses,
// routes (every table, both families) and policy rules, cut down to what
// gatewayd manages or owns, plus sysctls by path.
#pragma once

#include <string>
#include <vector>

#include "daemon/kernel/kernel.hpp"
#include "daemon/kernel/rtnl/error.hpp"
#include "rules/netstate/model.hpp"

namespace gw::kernel {

// One dump each of links, addresses, routes and rules, read two ways.
struct NetView {
    netstate::NetState net;  // links, permanent addresses, owned routes and rules; no sysctls
    AddressMap addresses;    // every link's addresses of any lifetime, for Facts::uplink_addresses
};
std::expected<NetView, KernelError> observe_net();

// The values of these /proc/sys paths; a path that does not exist is left out.
std::vector<netstate::Sysctl> read_sysctls(const std::vector<std::string>& paths);

}  // namespace gw::kernel
