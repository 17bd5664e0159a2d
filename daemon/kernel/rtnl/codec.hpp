// Conversions between the pure netstate values and libnl objects:
// encode_* builds the libnl object for a request, decode_* reads one from a
// dump. Link names are resolved by the caller (ifindex maps), so these stay
// free of I/O; an unresolvable name is reported, not guessed.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "daemon/kernel/rtnl/objects.hpp"
#include "rules/netstate/model.hpp"

namespace gw::kernel {

// ifindex <-> name of the links of one dump (or of the live system).
struct LinkNames {
    std::map<int, std::string> by_index;
    std::string name(int ifindex) const;  // "" when unknown
};

int af_of(net::Family f);
NlAddrPtr encode_address(const net::Address& a);
NlAddrPtr encode_prefix(const net::Prefix& p);
// nullopt for a missing or non-IP nl_addr. A zero-length one is the family's
// all-zero address (how dumps carry a default route's destination).
std::optional<net::Address> decode_address(nl_addr* a, int family);
std::optional<net::Prefix> decode_prefix(nl_addr* a, int family);

// ifindex: 0 means "no link" (a route through a gateway only); a negative
// one makes encode fail with ENODEV before anything is sent.
RtnlAddrPtr encode_ifaddr(const netstate::Address& a, int ifindex);
RtnlRoutePtr encode_route(const netstate::Route& r, int ifindex);
RtnlRulePtr encode_rule(const netstate::Rule& r);

std::optional<netstate::Link> decode_link(rtnl_link* l, const LinkNames& names);
std::optional<netstate::Address> decode_ifaddr(rtnl_addr* a, const LinkNames& names);
// Dynamic addresses (SLAAC, DHCP: finite lifetime) belong to whoever
// configured them and are never gatewayd's to remove.
bool ifaddr_is_permanent(rtnl_addr* a);
std::optional<netstate::Route> decode_route(rtnl_route* r, const LinkNames& names);
// One RTM_NEWRULE message of a dump; nullopt for anything else.
std::optional<netstate::Rule> decode_rule(nlmsghdr* h);
// What encode_rule() cannot say through libnl (suppress_prefixlength),
// appended to the built request; a libnl error code or 0.
int encode_rule_extras(nl_msg* msg, const netstate::Rule& r);

}  // namespace gw::kernel
