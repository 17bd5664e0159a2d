#include "daemon/kernel/rtnl/codec.hpp"
#include "daemon/kernel/rtnl/ip6tnl.hpp"

#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstring>

#include "rules/netstate/owner.hpp"

namespace gw::kernel {

std::string LinkNames::name(int ifindex) const {
    auto it = by_index.find(ifindex);
    return it == by_index.end() ? std::string() : it->second;
}

int af_of(net::Family f) { return f == net::Family::ipv4 ? AF_INET : AF_INET6; }

NlAddrPtr encode_address(const net::Address& a) {
    return NlAddrPtr(nl_addr_build(af_of(a.family), a.bytes.data(), a.size()));
}

NlAddrPtr encode_prefix(const net::Prefix& p) {
    NlAddrPtr addr = encode_address(p.address);
    if (addr) nl_addr_set_prefixlen(addr.get(), p.length);
    return addr;
}

std::optional<net::Address> decode_address(nl_addr* a, int family) {
    net::Address out;
    if (family == AF_INET)
        out.family = net::Family::ipv4;
    else if (family == AF_INET6)
        out.family = net::Family::ipv6;
    else
        return std::nullopt;
    if (!a || nl_addr_get_len(a) == 0) return out;
    if (nl_addr_get_family(a) != family || nl_addr_get_len(a) != out.size()) return std::nullopt;
    std::memcpy(out.bytes.data(), nl_addr_get_binary_addr(a), out.size());
    return out;
}

std::optional<net::Prefix> decode_prefix(nl_addr* a, int family) {
    auto addr = decode_address(a, family);
    if (!addr) return std::nullopt;
    int len = a ? static_cast<int>(nl_addr_get_prefixlen(a)) : 0;
    if (len < 0 || len > addr->bits()) return std::nullopt;
    return net::Prefix{*addr, len};
}

RtnlAddrPtr encode_ifaddr(const netstate::Address& a, int ifindex) {
    RtnlAddrPtr addr(rtnl_addr_alloc());
    NlAddrPtr local = encode_prefix(a.prefix);
    if (!addr || !local) return nullptr;
    rtnl_addr_set_ifindex(addr.get(), ifindex);
    rtnl_addr_set_family(addr.get(), af_of(a.prefix.address.family));
    if (rtnl_addr_set_local(addr.get(), local.get()) < 0) return nullptr;  // takes its own reference
    rtnl_addr_set_prefixlen(addr.get(), a.prefix.length);
    return addr;
}

namespace {

std::uint8_t rtn_type(netstate::RouteType t) {
    switch (t) {
    case netstate::RouteType::unicast: return RTN_UNICAST;
    case netstate::RouteType::blackhole: return RTN_BLACKHOLE;
    case netstate::RouteType::unreachable: return RTN_UNREACHABLE;
    case netstate::RouteType::prohibit: return RTN_PROHIBIT;
    }
    return RTN_UNICAST;
}

// Set explicitly, as `ip route` would: the kernel compares the scope when
// deleting an IPv4 route, and libnl's guess differs for discard routes.
std::uint8_t route_scope(const netstate::Route& r) {
    bool on_link = r.type == netstate::RouteType::unicast && !r.gateway &&
                   r.family() == net::Family::ipv4;
    return on_link ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
}

bool add_nexthop(rtnl_route* route, const netstate::Route& r, int ifindex) {
    RtnlNexthopPtr nh(rtnl_route_nh_alloc());
    if (!nh) return false;
    if (ifindex > 0) rtnl_route_nh_set_ifindex(nh.get(), ifindex);
    if (r.gateway) {
        NlAddrPtr gw = encode_address(*r.gateway);
        if (!gw) return false;
        rtnl_route_nh_set_gateway(nh.get(), gw.get());  // takes its own reference
    }
    rtnl_route_add_nexthop(route, nh.release());  // the route owns the nexthop now
    return true;
}

}  // namespace

RtnlRoutePtr encode_route(const netstate::Route& r, int ifindex) {
    RtnlRoutePtr route(rtnl_route_alloc());
    NlAddrPtr dst = encode_prefix(r.destination);
    if (!route || !dst) return nullptr;
    rtnl_route_set_family(route.get(), static_cast<std::uint8_t>(af_of(r.family())));
    if (rtnl_route_set_dst(route.get(), dst.get()) < 0) return nullptr;  // takes its own reference
    rtnl_route_set_table(route.get(), r.table);
    rtnl_route_set_protocol(route.get(), r.protocol);
    rtnl_route_set_priority(route.get(), r.metric);
    rtnl_route_set_type(route.get(), rtn_type(r.type));
    rtnl_route_set_scope(route.get(), route_scope(r));
    if (r.type == netstate::RouteType::unicast && !add_nexthop(route.get(), r, ifindex))
        return nullptr;
    return route;
}

namespace {

std::uint8_t fr_action(netstate::RuleAction a) {
    switch (a) {
    case netstate::RuleAction::to_table: return FR_ACT_TO_TBL;
    case netstate::RuleAction::blackhole: return FR_ACT_BLACKHOLE;
    case netstate::RuleAction::unreachable: return FR_ACT_UNREACHABLE;
    case netstate::RuleAction::prohibit: return FR_ACT_PROHIBIT;
    }
    return FR_ACT_TO_TBL;
}

}  // namespace

RtnlRulePtr encode_rule(const netstate::Rule& r) {
    RtnlRulePtr rule(rtnl_rule_alloc());
    if (!rule) return nullptr;
    rtnl_rule_set_family(rule.get(), af_of(r.family));
    rtnl_rule_set_prio(rule.get(), r.priority);
    if (r.fwmark) {
        rtnl_rule_set_mark(rule.get(), *r.fwmark);
        rtnl_rule_set_mask(rule.get(), r.fwmask);
    }
    if (r.from) {
        NlAddrPtr src = encode_prefix(*r.from);
        if (!src || rtnl_rule_set_src(rule.get(), src.get()) < 0) return nullptr;
    }
    if (!r.iif.empty() && rtnl_rule_set_iif(rule.get(), r.iif.c_str()) < 0) return nullptr;
    rtnl_rule_set_action(rule.get(), fr_action(r.action));
    if (r.action == netstate::RuleAction::to_table) rtnl_rule_set_table(rule.get(), r.table);
    return rule;
}

std::optional<netstate::Link> decode_link(rtnl_link* l, const LinkNames& names) {
    const char* name = rtnl_link_get_name(l);
    if (!name) return std::nullopt;
    netstate::Link out;
    out.name = name;
    if (const char* kind = rtnl_link_get_type(l)) out.kind = kind;
    int master = rtnl_link_get_master(l);
    out.master = master > 0 ? names.name(master) : std::string();
    out.mtu = rtnl_link_get_mtu(l);
    out.up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
    const char* alias = rtnl_link_get_ifalias(l);
    out.owned = alias && netstate::kLinkAlias == alias;
    out.tunnel = decode_ip6tnl(l);
    return out;
}

bool ifaddr_is_permanent(rtnl_addr* a) {
    return (static_cast<unsigned>(rtnl_addr_get_flags(a)) & IFA_F_PERMANENT) != 0;
}

std::optional<netstate::Address> decode_ifaddr(rtnl_addr* a, const LinkNames& names) {
    auto prefix = decode_prefix(rtnl_addr_get_local(a), rtnl_addr_get_family(a));
    std::string ifname = names.name(rtnl_addr_get_ifindex(a));
    if (!prefix || ifname.empty()) return std::nullopt;
    prefix->length = rtnl_addr_get_prefixlen(a);
    return netstate::Address{.ifname = ifname, .prefix = *prefix, .loc = {}};
}

namespace {

std::optional<netstate::RouteType> decode_route_type(std::uint8_t type) {
    switch (type) {
    case RTN_UNICAST: return netstate::RouteType::unicast;
    case RTN_BLACKHOLE: return netstate::RouteType::blackhole;
    case RTN_UNREACHABLE: return netstate::RouteType::unreachable;
    case RTN_PROHIBIT: return netstate::RouteType::prohibit;
    default: return std::nullopt;  // local, broadcast, multicast: the kernel's own
    }
}

}  // namespace

std::optional<netstate::Route> decode_route(rtnl_route* r, const LinkNames& names) {
    if (rtnl_route_get_flags(r) & RTM_F_CLONED) return std::nullopt;
    auto type = decode_route_type(rtnl_route_get_type(r));
    auto dst = decode_prefix(rtnl_route_get_dst(r), rtnl_route_get_family(r));
    if (!type || !dst) return std::nullopt;
    netstate::Route out;
    out.type = *type;
    out.destination = dst->network();
    out.table = rtnl_route_get_table(r);
    out.metric = rtnl_route_get_priority(r);
    out.protocol = rtnl_route_get_protocol(r);
    // A discard route has no next hop of its own (the kernel names lo for IPv6 ones).
    if (out.type == netstate::RouteType::unicast && rtnl_route_get_nnexthops(r) > 0) {
        rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
        out.ifname = names.name(rtnl_route_nh_get_ifindex(nh));
        if (nl_addr* gw = rtnl_route_nh_get_gateway(nh))
            out.gateway = decode_address(gw, nl_addr_get_family(gw));
    }
    return out;
}

namespace {

std::optional<netstate::RuleAction> decode_rule_action(std::uint8_t action) {
    switch (action) {
    case FR_ACT_TO_TBL: return netstate::RuleAction::to_table;
    case FR_ACT_BLACKHOLE: return netstate::RuleAction::blackhole;
    case FR_ACT_UNREACHABLE: return netstate::RuleAction::unreachable;
    case FR_ACT_PROHIBIT: return netstate::RuleAction::prohibit;
    default: return std::nullopt;
    }
}

}  // namespace

namespace {

std::uint32_t attr_u32(const nlattr* a) {
    std::uint32_t v = 0;
    if (nla_len(a) >= static_cast<int>(sizeof v)) std::memcpy(&v, nla_data(a), sizeof v);
    return v;
}

std::optional<net::Prefix> attr_prefix(const nlattr* a, net::Family family, int length) {
    net::Address addr;
    addr.family = family;
    if (nla_len(a) != static_cast<int>(addr.size()) || length < 0 || length > addr.bits())
        return std::nullopt;
    std::memcpy(addr.bytes.data(), nla_data(a), addr.size());
    return net::Prefix{addr, length};
}

void decode_rule_attrs(nlattr* const* tb, const fib_rule_hdr& hdr, netstate::Rule& out) {
    if (tb[FRA_PRIORITY]) out.priority = attr_u32(tb[FRA_PRIORITY]);
    if (out.action == netstate::RuleAction::to_table)
        out.table = tb[FRA_TABLE] ? attr_u32(tb[FRA_TABLE]) : hdr.table;
    // The kernel reports FRA_FWMARK/FRA_FWMASK only when one is non-zero.
    std::uint32_t mark = tb[FRA_FWMARK] ? attr_u32(tb[FRA_FWMARK]) : 0;
    std::uint32_t mask = tb[FRA_FWMASK] ? attr_u32(tb[FRA_FWMASK]) : 0;
    if (mark != 0 || mask != 0) {
        out.fwmark = mark;
        out.fwmask = mask;
    }
    if (tb[FRA_SRC] && hdr.src_len > 0) out.from = attr_prefix(tb[FRA_SRC], out.family, hdr.src_len);
    if (tb[FRA_IIFNAME])
        out.iif.assign(static_cast<const char*>(nla_data(tb[FRA_IIFNAME])),
                       strnlen(static_cast<const char*>(nla_data(tb[FRA_IIFNAME])),
                               static_cast<std::size_t>(nla_len(tb[FRA_IIFNAME]))));
    if (tb[FRA_SUPPRESS_PREFIXLEN]) {
        // The kernel leaves the attribute out when unset (-1); be lenient anyway.
        std::uint32_t len = attr_u32(tb[FRA_SUPPRESS_PREFIXLEN]);
        if (len != 0xffffffff) out.suppress_prefixlen = len;
    }
}

}  // namespace

// Read straight from the message: libnl's rule object has no field for
// FRA_SUPPRESS_PREFIXLEN, and the decode must see everything encode sends.
std::optional<netstate::Rule> decode_rule(nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWRULE || !nlmsg_valid_hdr(h, sizeof(fib_rule_hdr))) return std::nullopt;
    fib_rule_hdr hdr;
    std::memcpy(&hdr, nlmsg_data(h), sizeof hdr);
    auto action = decode_rule_action(hdr.action);
    if ((hdr.family != AF_INET && hdr.family != AF_INET6) || !action) return std::nullopt;
    nlattr* tb[FRA_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(fib_rule_hdr), tb, FRA_MAX, nullptr) < 0) return std::nullopt;
    netstate::Rule out;
    out.family = hdr.family == AF_INET ? net::Family::ipv4 : net::Family::ipv6;
    out.action = *action;
    decode_rule_attrs(tb, hdr, out);
    if (tb[FRA_SRC] && hdr.src_len > 0 && !out.from) return std::nullopt;
    return out;
}

int encode_rule_extras(nl_msg* msg, const netstate::Rule& r) {
    if (!r.suppress_prefixlen) return 0;
    return nla_put_u32(msg, FRA_SUPPRESS_PREFIXLEN, *r.suppress_prefixlen);
}

}  // namespace gw::kernel
