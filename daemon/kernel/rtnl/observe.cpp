#include "daemon/kernel/rtnl/observe.hpp"

#include <algorithm>
#include <cstring>

#include <linux/if_addr.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>

#include "daemon/kernel/rtnl/codec.hpp"
#include "daemon/kernel/rtnl/rtnl.hpp"
#include "daemon/kernel/rtnl/sysctl.hpp"
#include "rules/netstate/owner.hpp"

namespace gw::kernel {
namespace {

// A dump the kernel interrupted (the table changed under it) is simply
// asked for again; after a few tries the caller gets a transient error.
constexpr int kDumpAttempts = 3;

template <class Alloc>
std::expected<NlCachePtr, KernelError> dump(nl_sock* sock, const char* what, Alloc alloc) {
    int rc = 0;
    for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
        nl_cache* cache = nullptr;
        rc = alloc(sock, &cache);
        if (rc >= 0) return NlCachePtr(cache);
        if (cache) nl_cache_free(cache);
        if (rc != -NLE_DUMP_INTR) break;
    }
    // An interrupted dump maps to EINTR: transient, like an overrun.
    return std::unexpected(system_error(std::string("dump ") + what, errno_of_nl_error(rc), nl_geterror(rc)));
}

template <class T, class F>
void for_each(nl_cache* cache, F f) {
    for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o))
        f(reinterpret_cast<T*>(o));  // libnl objects start with their nl_object header
}

struct Dumps {
    NlCachePtr links, addrs, routes;
    std::vector<netstate::Rule> rules;  // gatewayd's band only
    LinkNames names;
};

// Reads one dump's replies. false: the kernel flagged the dump interrupted.
std::expected<bool, int> read_rule_dump(nl_sock* sock, std::uint32_t seq, std::vector<netstate::Rule>& out) {
    bool complete = true;
    for (;;) {
        sockaddr_nl peer{};
        unsigned char* raw = nullptr;
        int len = nl_recv(sock, &peer, &raw, nullptr);
        NlBufferPtr buf(raw);
        if (len <= 0) return std::unexpected(len < 0 ? errno_of_nl_error(len) : EIO);
        auto* h = reinterpret_cast<nlmsghdr*>(buf.get());
        for (int left = len; nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
            if (h->nlmsg_seq != seq) continue;
            if (h->nlmsg_flags & NLM_F_DUMP_INTR) complete = false;
            if (h->nlmsg_type == NLMSG_DONE) return complete;
            if (h->nlmsg_type == NLMSG_ERROR) {
                const auto* err = static_cast<const nlmsgerr*>(nlmsg_data(h));
                return std::unexpected(-err->error);
            }
            if (auto rule = decode_rule(h); rule && netstate::is_owned_rule(*rule)) out.push_back(*rule);
        }
    }
}

// Rules are dumped by hand rather than through a libnl cache so that the
// decode sees every attribute (see decode_rule()).
std::expected<std::vector<netstate::Rule>, KernelError> dump_rules(nl_sock* sock) {
    int err = EINTR;
    for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
        NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETRULE, NLM_F_DUMP));
        rtgenmsg gen{.rtgen_family = AF_UNSPEC};
        if (!msg || nlmsg_append(msg.get(), &gen, sizeof gen, NLMSG_ALIGNTO) < 0)
            return std::unexpected(system_error("dump rules", ENOMEM, "nlmsg_alloc"));
        if (int rc = nl_send_auto(sock, msg.get()); rc < 0)
            return std::unexpected(system_error("dump rules", errno_of_nl_error(rc), nl_geterror(rc)));
        std::vector<netstate::Rule> rules;
        auto done = read_rule_dump(sock, nlmsg_hdr(msg.get())->nlmsg_seq, rules);
        if (done && *done) return rules;
        if (!done) {
            err = done.error();
            break;
        }
    }
    return std::unexpected(system_error("dump rules", err, std::strerror(err)));
}

std::expected<NlCachePtr, KernelError> dump_links(nl_sock* s) {
    return dump(s, "links", [](nl_sock* k, nl_cache** c) { return rtnl_link_alloc_cache(k, AF_UNSPEC, c); });
}

std::expected<NlCachePtr, KernelError> dump_addrs(nl_sock* s) {
    return dump(s, "addresses", [](nl_sock* k, nl_cache** c) { return rtnl_addr_alloc_cache(k, c); });
}

LinkNames link_names(nl_cache* links) {
    LinkNames names;
    for_each<rtnl_link>(links, [&](rtnl_link* l) {
        if (const char* n = rtnl_link_get_name(l)) names.by_index[rtnl_link_get_ifindex(l)] = n;
    });
    return names;
}

std::expected<Dumps, KernelError> dump_all(nl_sock* s) {
    Dumps d;
    auto links = dump_links(s);
    if (!links) return std::unexpected(links.error());
    auto addrs = dump_addrs(s);
    if (!addrs) return std::unexpected(addrs.error());
    auto routes = dump(s, "routes", [](nl_sock* k, nl_cache** c) {
        return rtnl_route_alloc_cache(k, AF_UNSPEC, 0, c);
    });
    if (!routes) return std::unexpected(routes.error());
    auto rules = dump_rules(s);
    if (!rules) return std::unexpected(rules.error());
    d.links = std::move(*links);
    d.addrs = std::move(*addrs);
    d.routes = std::move(*routes);
    d.rules = std::move(*rules);
    d.names = link_names(d.links.get());
    return d;
}

// The kernel view, already cut to gatewayd's protocol and band so a router
// with a large table does not convert routes only to drop them.
netstate::NetState decode_all(const Dumps& d) {
    netstate::NetState k;
    for_each<rtnl_link>(d.links.get(), [&](rtnl_link* l) {
        if (auto link = decode_link(l, d.names)) k.links.push_back(*link);
    });
    for_each<rtnl_addr>(d.addrs.get(), [&](rtnl_addr* a) {
        if (!ifaddr_is_permanent(a)) return;
        if (auto addr = decode_ifaddr(a, d.names)) k.addresses.push_back(*addr);
    });
    for_each<rtnl_route>(d.routes.get(), [&](rtnl_route* r) {
        if (rtnl_route_get_protocol(r) != netstate::kRouteProtocol) return;
        if (auto route = decode_route(r, d.names)) k.routes.push_back(*route);
    });
    k.rules = d.rules;
    return k;
}

// An address whose preferred lifetime is over: a renumbered prefix the
// kernel keeps (up to two hours) and an ISP's RA may keep announcing.
bool is_deprecated(rtnl_addr* a) {
    return (rtnl_addr_get_flags(a) & IFA_F_DEPRECATED) != 0 || rtnl_addr_get_preferred_lifetime(a) == 0;
}

// Every link's addresses of any lifetime (pppd's and DHCP's too), IPv6
// link-local left out; a link without addresses maps to an empty list.
// Deprecated addresses come after the others, so whoever takes a link's
// first address (the MAP-E CE) stays on the preferred prefix even when
// the old one's address is newer (an RA brought it back).
AddressMap address_map(const Dumps& d) {
    AddressMap out, deprecated;
    for (const auto& [index, name] : d.names.by_index) out[name];
    for_each<rtnl_addr>(d.addrs.get(), [&](rtnl_addr* a) {
        auto addr = decode_ifaddr(a, d.names);
        if (!addr || netstate::is_ipv6_link_local(addr->prefix)) return;
        (is_deprecated(a) ? deprecated : out)[addr->ifname].push_back(addr->prefix.address);
    });
    for (auto& [ifname, addrs] : deprecated) {
        auto& list = out[ifname];
        list.insert(list.end(), addrs.begin(), addrs.end());
    }
    return out;
}

}  // namespace

std::expected<NetView, KernelError> observe_net() {
    auto sock = open_rtnl_socket("observe");
    if (!sock) return std::unexpected(sock.error());
    auto dumps = dump_all(sock->get());
    if (!dumps) return std::unexpected(dumps.error());
    return NetView{decode_all(*dumps), address_map(*dumps)};
}

std::vector<netstate::Sysctl> read_sysctls(const std::vector<std::string>& paths) {
    std::vector<netstate::Sysctl> out;
    for (const auto& path : paths)
        if (auto value = read_sysctl(path)) out.push_back({path, *value, {}});
    return out;
}

}  // namespace gw::kernel
