// interfaces.<name>.ipv6: routed IPv6 on a LAN link. `delegate` takes one
// /64 out of an uplink's DHCPv6-delegated prefix, `router-advertisements`
// announces it, `allow-inbound` opens pinholes toward its hosts. A pinhole
// names its host by interface ID (the low 64 bits), so it follows the
// prefix the ISP hands out today, or by a whole address.
#include <algorithm>

#include "rules/config/sections.hpp"
#include "rules/config/suggest.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kLanKeys[] = {"delegate", "router-advertisements", "allow-inbound"};
constexpr std::string_view kDelegateKeys[] = {"from", "subnet-id"};
constexpr std::string_view kRaKeys[] = {"enabled", "mtu", "rdnss", "max-interval"};
constexpr std::string_view kPinholeKeys[] = {"name", "interface-id", "address", "proto", "port", "ports", "from"};

bool upper_half_zero(const net::Address& a) {
    return std::all_of(a.bytes.begin(), a.bytes.begin() + 8, [](std::uint8_t b) { return b == 0; });
}

bool lower_half_zero(const net::Address& a) {
    return std::all_of(a.bytes.begin() + 8, a.bytes.end(), [](std::uint8_t b) { return b == 0; });
}

void parse_delegate(Reader& r, const Node& n, const std::string& path, LanIpv6& lan) {
    if (!r.expect_map(n, path)) return;
    r.check_keys(n, path, kDelegateKeys);
    if (const Node* f = r.require(n, path, "from")) assign(lan.from, r.read_name(*f, join_path(path, "from")));
    if (const Node* s = n.find("subnet-id"))
        assign(lan.subnet_id, r.read_uint(*s, join_path(path, "subnet-id"), 0, 0xffffffffu));
}

void parse_ra(Reader& r, const Node& n, const std::string& path, RouterAdverts& ra) {
    ra.loc = n.loc;
    if (n.is_scalar() && n.plain) {
        assign(ra.enabled, r.read_bool(n, path));
        return;
    }
    if (!r.expect_map_or_null(n, path)) return;
    r.check_keys(n, path, kRaKeys);
    if (const Node* v = n.find("enabled")) assign(ra.enabled, r.read_bool(*v, join_path(path, "enabled")));
    if (const Node* v = n.find("mtu")) ra.mtu = r.read_uint(*v, join_path(path, "mtu"), 1280, 65535);
    if (const Node* v = n.find("max-interval"))
        assign(ra.max_interval, r.read_uint(*v, join_path(path, "max-interval"), 4, 1800));
    if (const Node* v = n.find("rdnss")) {
        auto p = join_path(path, "rdnss");
        if (v->is_scalar()) {
            if (auto a = r.read_address(*v, p, net::Family::ipv6)) ra.rdnss.push_back(*a);
        } else if (r.expect_list(*v, p)) {
            for (std::size_t i = 0; i < v->items.size(); ++i)
                if (auto a = r.read_address(v->items[i], join_path(p, i), net::Family::ipv6)) ra.rdnss.push_back(*a);
        }
    }
}

void read_host(Reader& r, const Node& n, const std::string& path, Pinhole& hole) {
    if (const Node* v = n.find("interface-id")) {
        auto p = join_path(path, "interface-id");
        auto id = r.read_address(*v, p, net::Family::ipv6);
        if (id && !upper_half_zero(id->value))
            r.error(v->loc, p, "interface ID " + id->value.str() + " has prefix bits set",
                    "an interface ID is the low 64 bits of the host's address, e.g. ::1234 or ::5054:ff:fe12:3456; "
                    "to name the whole address use 'address:'");
        else if (id && lower_half_zero(id->value))
            r.error(v->loc, p, "interface ID :: names no host", "write the host's low 64 bits, e.g. ::1234");
        else if (id)
            hole.interface_id = id;
    }
    if (const Node* v = n.find("address")) hole.address = r.read_address(*v, join_path(path, "address"), net::Family::ipv6);
    const Node* id_key = n.find_key("interface-id");
    const Node* addr_key = n.find_key("address");
    if (id_key && addr_key)
        r.error(addr_key->loc, join_path(path, "address"), "a pinhole names its host once",
                "give either 'interface-id' (follows the delegated prefix) or 'address', not both");
    else if (!id_key && !addr_key)
        r.error(n.loc, path, "the pinhole names no host", "add 'interface-id: ::1234' or 'address: <IPv6 address>'");
}

std::optional<Pinhole> parse_pinhole(Reader& r, const Node& n, const std::string& path) {
    if (!r.expect_map(n, path)) return std::nullopt;
    r.check_keys(n, path, kPinholeKeys);
    Pinhole hole;
    hole.loc = n.loc;
    if (const Node* v = n.find("name")) assign(hole.name, r.read_name(*v, join_path(path, "name")));
    read_host(r, n, path, hole);
    if (const Node* v = n.find("proto")) assign(hole.proto, r.read_port_proto(*v, join_path(path, "proto")));
    const Node* ports = n.find("port");
    if (!ports) ports = n.find("ports");
    if (ports) hole.ports = r.read_ports(*ports, join_path(path, "port"));
    if (const Node* v = n.find("from")) {
        hole.sources = r.read_address_list(*v, join_path(path, "from"));
        for (const auto& p : hole.sources.prefixes)
            if (p->address.family != net::Family::ipv6)
                r.error(p.loc, join_path(path, "from"), "IPv4 source " + prefix_text(*p) + " in an IPv6 pinhole");
    }
    return hole;
}

void parse_inbound(Reader& r, const Node& n, const std::string& path, LanIpv6& lan) {
    if (n.is_null() || !r.expect_list(n, path)) return;
    for (std::size_t i = 0; i < n.items.size(); ++i)
        if (auto hole = parse_pinhole(r, n.items[i], join_path(path, i))) lan.inbound.push_back(std::move(*hole));
}

}  // namespace

std::optional<LanIpv6> parse_lan_ipv6(Reader& r, const Node& n, const std::string& path) {
    if (!r.expect_map(n, path)) return std::nullopt;
    r.check_keys(n, path, kLanKeys);
    LanIpv6 lan;
    lan.loc = n.loc;
    if (const Node* d = r.require(n, path, "delegate")) parse_delegate(r, *d, join_path(path, "delegate"), lan);
    if (const Node* v = n.find("router-advertisements"))
        parse_ra(r, *v, join_path(path, "router-advertisements"), lan.ra);
    if (const Node* v = n.find("allow-inbound")) parse_inbound(r, *v, join_path(path, "allow-inbound"), lan);
    return lan;
}

namespace {

void check_delegation(Reader& r, const Config& cfg, const Interface& itf, const LanIpv6& lan) {
    auto path = join_path(join_path("interfaces", itf.name.value), "ipv6.delegate");
    const Uplink* up = cfg.find_uplink(lan.from.value);
    if (!up) {
        std::vector<std::string> names;
        for (const auto& u : cfg.uplinks) names.push_back(u.name.value);
        r.error(lan.from.loc, join_path(path, "from"), "no uplink named '" + lan.from.value + "'",
                did_you_mean(lan.from.value, names));
        return;
    }
    if (!up->dhcpv6_pd) {
        r.error(lan.from.loc, join_path(path, "from"), "uplink '" + up->name.value + "' asks for no prefix",
                "add 'dhcpv6-pd: {size-hint: 56}' to uplink '" + up->name.value + "'");
        return;
    }
    std::uint32_t bits = 64 - up->dhcpv6_pd->size_hint.value;
    std::uint64_t count = std::uint64_t{1} << bits;
    if (lan.subnet_id.value >= count)
        r.error(lan.subnet_id.loc, join_path(path, "subnet-id"),
                "subnet-id " + std::to_string(lan.subnet_id.value) + " is outside the /" +
                    std::to_string(up->dhcpv6_pd->size_hint.value) + " that uplink '" + up->name.value + "' asks for",
                "a /" + std::to_string(up->dhcpv6_pd->size_hint.value) + " holds " + std::to_string(count) +
                    " /64s: use a subnet-id from 0 to " + std::to_string(count - 1) +
                    " or ask for a larger prefix with size-hint");
}

}  // namespace

void validate_lan_ipv6(Reader& r, const Config& cfg) {
    std::vector<std::pair<const Interface*, const LanIpv6*>> seen;
    for (const auto& itf : cfg.interfaces) {
        if (!itf.ipv6) continue;
        const auto& lan = *itf.ipv6;
        check_delegation(r, cfg, itf, lan);
        for (const auto& [other, olan] : seen)
            if (olan->from.value == lan.from.value && olan->subnet_id.value == lan.subnet_id.value)
                r.error(lan.subnet_id.loc.known() ? lan.subnet_id.loc : lan.loc,
                        join_path(join_path("interfaces", itf.name.value), "ipv6.delegate.subnet-id"),
                        "interface '" + other->name.value + "' already takes subnet-id " +
                            std::to_string(lan.subnet_id.value) + " of '" + lan.from.value + "'",
                        "each LAN link needs its own /64: pick another subnet-id");
        seen.emplace_back(&itf, &lan);
    }
}

}  // namespace gw::config
