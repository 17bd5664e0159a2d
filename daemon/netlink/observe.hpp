// Reading the kernel's netlink state: one dump each of links, addresses,
// routes (every table, both families) and policy rules, cut down to what
// gatewayd manages or owns (restrict_to_scope), plus the scope's sysctls.
#pragma once

#include <string>
#include <vector>

#include "daemon/netlink/error.hpp"
#include "rules/netstate/model.hpp"

namespace gw::kernel {

// `scope` is the desired state: its links, their managed addresses and its
// sysctl paths are what is looked at; owned routes and rules are found by
// protocol number and priority band wherever they are.
ObserveResult observe_netstate(const netstate::NetState& scope);

// The current addresses of each named link (IPv6 link-local left out; a
// link that does not exist is absent from the map). For Facts::uplink_addresses.
AddressesResult observe_addresses(const std::vector<std::string>& ifnames);

}  // namespace gw::kernel
