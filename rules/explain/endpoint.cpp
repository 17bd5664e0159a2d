#include "rules/explain/endpoint.hpp"

#include <charconv>

#include "rules/facts.hpp"
#include "rules/nft/keys.hpp"

namespace gw::explain {
namespace {

// Stand-ins for "somewhere on the Internet" (RFC 2544 benchmarking and a
// documentation prefix): addresses no gateway config names as its own.
constexpr std::string_view kInternet4 = "198.18.0.10";
constexpr std::string_view kInternet6 = "2001:db8:ffff:ffff::10";

struct End {
    bool gateway = false;                   // `gateway`, or an address of the gateway's own
    bool literal = false;                   // an address as typed: used as it is
    std::optional<net::Address> addr4, addr6;
    std::string link;                       // where it sits, as seen from the gateway
    const config::PortForward* forward = nullptr;
    std::string what;                       // for the notes
};

// A host in `p` that is not the gateway: the 10th address, or the next free.
std::optional<net::Address> host_in(const Routing& r, const net::Prefix& p) {
    net::Prefix net = p.network();
    if (net.length >= net.address.bits() - 1) return p.address;
    net::Address a = net.address;
    for (int step = 0; step < 64; ++step) {
        auto& last = a.bytes[a.size() - 1];
        last = static_cast<std::uint8_t>(last + (step == 0 ? 10 : 1));
        if (net.contains(a) && !r.is_local(a)) return a;
    }
    return std::nullopt;
}

void set_addr(End& e, const std::optional<net::Address>& a) {
    if (!a) return;
    auto& slot = a->family == net::Family::ipv4 ? e.addr4 : e.addr6;
    if (!slot) slot = a;
}

void internet(End& e) {
    set_addr(e, net::Address::parse(kInternet4));
    set_addr(e, net::Address::parse(kInternet6));
}

std::optional<End> zone_end(const Model& m, const config::Zone& z) {
    End e;
    e.what = "zone " + *z.name;
    for (auto f : {net::Family::ipv4, net::Family::ipv6})
        for (const auto& p : m.config.zone_prefixes(z, f)) set_addr(e, host_in(m.routing, p));
    for (const auto& n : z.interfaces)
        if (const auto* i = m.config.find_interface(*n); i && e.link.empty()) e.link = i->link_name();
    for (const auto& n : z.uplinks)
        if (const auto* u = m.config.find_uplink(*n); u && e.link.empty()) {
            e.link = rules::default_uplink_ifname(*u);
            if (!e.addr4 && !e.addr6) internet(e);
        }
    return e;
}

std::optional<End> named_end(const Model& m, std::string_view word) {
    const auto& c = m.config;
    if (const auto* z = c.find_zone(word)) return zone_end(m, *z);
    if (const auto* i = c.find_interface(word)) {
        End e{.link = i->link_name(), .what = "interface " + std::string(word)};
        for (const auto& a : i->addresses) set_addr(e, host_in(m.routing, a.value));
        return e;
    }
    if (const auto* u = c.find_uplink(word)) {
        End e{.link = rules::default_uplink_ifname(*u),
              .what = "uplink " + std::string(word)};
        internet(e);
        return e;
    }
    for (const auto& f : c.nat.forwards)
        if (*f.name == word) return End{.forward = &f, .what = "forward " + std::string(word)};
    return std::nullopt;
}

std::expected<End, std::string> parse_end(const Model& m, std::string_view word) {
    if (word == "gateway") return End{.gateway = true, .what = "the gateway"};
    if (auto a = net::Address::parse(word)) {
        End e{.literal = true, .what = std::string(word)};
        set_addr(e, a);  // no link: routing places it
        e.gateway = m.routing.is_local(*a);
        return e;
    }
    if (auto e = named_end(m, word)) return *e;
    return std::unexpected("'" + std::string(word) +
                           "' is not an address, `gateway`, or a zone, interface, uplink or forward of the config");
}

struct Proto {
    std::uint8_t l4 = 0;  // 0: ping of the family
    std::uint16_t port = 0;
};

std::expected<Proto, std::string> parse_proto(std::string_view text) {
    Proto p;
    if (text.empty()) return p;
    auto slash = text.find('/');
    std::string_view name = text.substr(0, slash);
    if (name == "tcp") p.l4 = 6;
    else if (name == "udp") p.l4 = 17;
    else if (name == "icmp") p.l4 = 1;
    else if (name == "icmpv6") p.l4 = 58;
    else return std::unexpected("unknown protocol '" + std::string(name) + "' (tcp/PORT, udp/PORT, icmp, icmpv6)");
    if (slash == std::string_view::npos) {
        if (p.l4 == 6 || p.l4 == 17) return std::unexpected("give a port: " + std::string(name) + "/PORT");
        return p;
    }
    auto digits = text.substr(slash + 1);
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc{} || ptr != digits.data() + digits.size() || v == 0 || v > 65535 || p.l4 == 1 || p.l4 == 58)
        return std::unexpected("invalid port in '" + std::string(text) + "'");
    p.port = static_cast<std::uint16_t>(v);
    return p;
}

// A forward as a destination: the public address of its first uplink
// with a known address, on its first port.
void aim_at_forward(const Model& m, End& to, Proto& proto, std::vector<std::string>& notes) {
    const auto& f = *to.forward;
    for (const auto& u : m.config.uplinks) {
        bool allowed = f.uplinks.empty();
        for (const auto& n : f.uplinks) allowed = allowed || *n == *u.name;
        if (!allowed) continue;
        std::string link = rules::default_uplink_ifname(u);
        for (const auto& a : m.routing.addresses)
            if (a.ifname == link && a.prefix.address.family == net::Family::ipv4 && !to.addr4) {
                to.addr4 = a.prefix.address;
                to.link = link;
            }
    }
    if (!to.addr4) notes.push_back("forward " + *f.name + ": no uplink address is known; give --uplink NAME=ADDRESS");
    if (proto.l4 == 0) {
        proto.l4 = f.proto.value == config::Proto::udp ? 17 : 6;
        proto.port = f.ports.empty() ? 0 : f.ports.front().first;
    }
}

std::string family_name(net::Family f) {
    return f == net::Family::ipv4 ? "IPv4" : "IPv6";
}

std::optional<net::Family> pick_family(const Request& r, const End& from, const End& to) {
    if (r.family) return r.family;
    for (auto f : {net::Family::ipv4, net::Family::ipv6}) {
        bool from_ok = from.gateway || (f == net::Family::ipv4 ? from.addr4 : from.addr6);
        bool to_ok = to.gateway || (f == net::Family::ipv4 ? to.addr4 : to.addr6);
        if (from_ok && to_ok) return f;
    }
    return std::nullopt;
}

// Where a packet from `from` comes in: --in, the link of a named end, or
// the link the gateway routes the source address out of (the path the
// reverse-path filter expects).
// A source out on the Internet that sends to one uplink's address comes in
// on that uplink, whichever uplink the gateway's own route back prefers.
std::string ingress(const Model& m, const Request& r, const End& from, const net::Address& saddr,
                    const std::optional<net::Address>& daddr) {
    if (!r.in.empty()) return r.in;
    if (!from.link.empty()) return from.link;
    RouteResult back = route_lookup(m.routing, RouteQuery{saddr, std::nullopt, 0, ""});
    if (back.kind != RouteKind::unicast) return "";
    auto uplink_link = [&](const std::string& link) {
        for (const auto& u : m.config.uplinks)
            if (link == rules::default_uplink_ifname(u)) return true;
        return false;
    };
    if (daddr && uplink_link(back.oif))
        if (const auto* own = m.routing.local_address(*daddr); own && uplink_link(own->ifname)) return own->ifname;
    return back.oif;
}

}  // namespace

std::expected<Resolved, std::string> resolve_request(const Model& m, const Request& r) {
    auto from = parse_end(m, r.from);
    if (!from) return std::unexpected(from.error());
    auto to = parse_end(m, r.to);
    if (!to) return std::unexpected(to.error());
    if (from->forward) return std::unexpected("a forward is a destination, not a source: " + r.from);
    auto proto = parse_proto(r.proto);
    if (!proto) return std::unexpected(proto.error());
    Resolved out;
    if (to->forward) aim_at_forward(m, *to, *proto, out.notes);
    auto family = pick_family(r, *from, *to);
    if (!family) return std::unexpected("no address family both ends have (" + from->what + ", " + to->what + ")");
    bool v4 = *family == net::Family::ipv4;
    Packet& p = out.query.packet;
    p.family = *family;
    p.l4proto = proto->l4 ? proto->l4 : v4 ? nft::kProtoIcmp : nft::kProtoIcmpv6;
    if ((p.l4proto == nft::kProtoIcmp) != v4 && (p.l4proto == 1 || p.l4proto == 58))
        return std::unexpected(std::string(v4 ? "icmpv6" : "icmp") + " does not go with " + family_name(*family));
    p.dport = proto->port;
    p.icmp_type = v4 ? 8 : 128;  // echo-request
    out.query.from_gateway = from->gateway;
    if (!from->gateway || from->literal) p.saddr = *(v4 ? from->addr4 : from->addr6);
    out.query.bound_source = from->gateway && from->literal;
    if (to->gateway && !to->literal) {
        // the gateway's address on the side the packet comes from
        std::string side = from->gateway ? "lo" : ingress(m, r, *from, p.saddr, std::nullopt);
        auto a = from->gateway ? net::Address::parse(v4 ? "127.0.0.1" : "::1")
                               : m.routing.source_for(side, p.saddr);
        if (!a) return std::unexpected("the gateway has no " + family_name(*family) + " address on " + side);
        p.daddr = *a;
    } else {
        auto a = v4 ? to->addr4 : to->addr6;
        if (!a) return std::unexpected(to->what + " has no " + family_name(*family) + " address");
        p.daddr = *a;
    }
    if (!from->gateway) p.iif = ingress(m, r, *from, p.saddr, p.daddr);
    if (from->gateway) {
        p.skuid = r.uid.value_or(0);
        p.skgid = r.gid.value_or(0);
    }
    for (const auto* e : {&*from, &*to})
        if (!e->gateway && (e->what.starts_with("zone") || e->what.starts_with("interface") ||
                            e->what.starts_with("uplink")))
            out.notes.push_back(e->what + " stands for " + (v4 ? e->addr4 : e->addr6)->str());
    return out;
}

}  // namespace gw::explain
