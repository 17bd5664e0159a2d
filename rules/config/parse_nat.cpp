// nat: masquerade (source NAT to the uplink address) and port forwards
// (destination NAT from an uplink to an inside host). Overlaps between
// forwards and targets outside the inside networks are checked in
// validate_nat.cpp once the whole file is read.
#include <charconv>
#include <span>

#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kNatKeys[] = {"masquerade", "snat", "forwards", "hairpin", "mss-clamp"};
constexpr std::string_view kMasqKeys[] = {"from", "to"};
constexpr std::string_view kSnatKeys[] = {"from", "to", "address"};
// A forward's keys, and their indexes in kForwardKeys (KeyedValues).
constexpr std::string_view kForwardKeys[] = {"name", "proto", "port", "ports", "to", "from", "uplink",
                                             "destination"};
enum ForwardKey : std::size_t { kName, kProto, kPort, kPorts, kTo, kFrom, kUplink, kDestination };

bool is_zone(const Config& cfg, std::string_view name) {
    for (const auto& z : cfg.zones)
        if (z.name.value == name) return true;
    return false;
}

std::optional<Masquerade> parse_masquerade(Reader& r, const Node& n, const std::string& path, const Config& cfg,
                                           std::span<const std::string_view> keys = kMasqKeys) {
    if (!r.expect_map(n, path)) return std::nullopt;
    r.check_keys(n, path, keys);
    Masquerade m;
    m.loc = n.loc;
    if (const Node* f = r.require(n, path, "from")) {
        // Names here are zones or sets; a zone name wins (zones and sets are
        // distinct kinds, a name used as both is reported in validate_refs).
        AddressMatch from = r.read_address_list(*f, join_path(path, "from"));
        m.from.prefixes = std::move(from.prefixes);
        for (auto& name : from.sets) (is_zone(cfg, name.value) ? m.from_zones : m.from.sets).push_back(name);
    }
    if (const Node* t = r.require(n, path, "to")) m.to = r.read_names(*t, join_path(path, "to"));
    return m;
}

// An snat entry is a masquerade entry with the fixed IPv4 source `address`
// (what `-j SNAT --to-source` does in an iptables script).
std::optional<Masquerade> parse_snat(Reader& r, const Node& n, const std::string& path, const Config& cfg) {
    auto m = parse_masquerade(r, n, path, cfg, kSnatKeys);
    if (!m) return m;
    const Node* a = r.require(n, path, "address");
    if (!a) return m;
    auto s = r.read_string(*a, join_path(path, "address"));
    if (!s) return m;
    auto addr = net::Address::parse(s->value);
    if (!addr || addr->family != net::Family::ipv4)
        r.error(a->loc, join_path(path, "address"), "invalid snat address '" + s->value + "'",
                "expected one IPv4 address, e.g. 203.0.113.5 (IPv6 is never source-NATed)");
    else
        m->address = Located<net::Address>{*addr, a->loc};
    return m;
}

// Exactly one of two synonymous keys ("port"/"ports").
const Node* one_of(Reader& r, const KeyedValues& keys, const std::string& path, ForwardKey a, ForwardKey b) {
    const Node* ka = keys.find_key(a);
    const Node* kb = keys.find_key(b);
    if (ka && kb) {
        const Node* later = ka->loc.line > kb->loc.line ? ka : kb;
        r.error(later->loc, join_path(path, later->text),
                "'" + std::string(kForwardKeys[a]) + "' and '" + std::string(kForwardKeys[b]) +
                    "' are the same key; give only one");
    }
    return ka ? keys.find(a) : keys.find(b);
}

void parse_target(Reader& r, const Node& n, const std::string& path, PortForward& f) {
    auto s = r.read_string(n, path);
    if (!s) return;
    std::string_view text = s->value;
    std::string_view port_text;
    auto colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
        port_text = text.substr(colon + 1);
        text = text.substr(0, colon);
    }
    auto a = net::Address::parse(text);
    if (!a || a->family != net::Family::ipv4) {
        r.error(n.loc, path, "invalid forward target '" + s->value + "'",
                "expected an IPv4 address, optionally with a port: 172.16.1.100 or 172.16.1.100:8443");
        return;
    }
    f.to = Located<net::Address>{*a, n.loc};
    if (colon == std::string_view::npos) return;
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
        r.error(n.loc, path, "invalid port '" + std::string(port_text) + "' in forward target",
                "a port is a number 1..65535");
        return;
    }
    f.to_port = Located<std::uint16_t>{static_cast<std::uint16_t>(port), n.loc};
}

void check_target_port(Reader& r, const std::string& path, const PortForward& f) {
    if (!f.to_port) return;
    bool single = f.ports.size() == 1 && f.ports.front().single();
    if (single || f.ports.empty()) return;
    r.error(f.to_port->loc, join_path(path, "to"),
            "'to' gives port " + std::to_string(f.to_port->value) + " but the forward has more than one port",
            "drop ':" + std::to_string(f.to_port->value) + "' to keep each port, or split the forward");
}

// `key` is the forward's key holding `m`; its path is made only for an error.
void check_ipv4_only(Reader& r, const AddressMatch& m, const std::string& forward, std::string_view key,
                     std::string_view what) {
    for (const auto& p : m.prefixes)
        if (p->address.family != net::Family::ipv4)
            r.error(p.loc, join_path(forward, key),
                    "IPv6 address " + prefix_text(*p) + " in the " + std::string(what) +
                        " of a forward, which is IPv4 only");
}

// `key`: a buffer for the paths of the forward's keys, shared by all forwards.
std::optional<PortForward> parse_forward(Reader& r, const Node& n, const std::string& path, PathBuffer& key) {
    if (!r.expect_map(n, path)) return std::nullopt;
    KeyedValues keys(r, n, path, kForwardKeys);
    PortForward f;
    f.loc = n.loc;
    key.rebase(path);
    if (const Node* name = keys.require(kName)) assign(f.name, r.read_name(*name, key.key("name")));
    if (const Node* p = keys.find(kProto)) assign(f.proto, r.read_port_proto(*p, key.key("proto")));
    if (const Node* p = one_of(r, keys, path, kPort, kPorts))
        f.ports = r.read_ports(*p, key.key("port"));
    else
        keys.require(kPort);
    if (const Node* t = keys.require(kTo)) parse_target(r, *t, key.key("to"), f);
    if (const Node* s = keys.find(kFrom)) f.sources = r.read_address_list(*s, key.key("from"));
    if (const Node* u = keys.find(kUplink)) f.uplinks = r.read_names(*u, key.key("uplink"));
    if (const Node* d = keys.find(kDestination)) f.destinations = r.read_address_list(*d, key.key("destination"));
    check_target_port(r, path, f);
    // Forwards are IPv4 DNAT: an IPv6 address could never match.
    check_ipv4_only(r, f.sources, path, "from", "sources");
    check_ipv4_only(r, f.destinations, path, "destination", "destinations");
    return f;
}

template <class T, class Fn>
void parse_list(Reader& r, const Node& n, const std::string& path, std::vector<T>& out, Fn&& fn) {
    if (n.is_null() || !r.expect_list(n, path)) return;
    out.reserve(out.size() + n.items.size());
    PathBuffer item(path);
    for (std::size_t i = 0; i < n.items.size(); ++i)
        if (auto v = fn(n.items[i], item.index(i))) out.push_back(std::move(*v));
}

}  // namespace

void parse_nat(Reader& r, const Node& n, Config& cfg) {
    if (!r.expect_map_or_null(n, "nat")) return;
    r.check_keys(n, "nat", kNatKeys);
    if (const Node* m = n.find("masquerade"))
        parse_list(r, *m, "nat.masquerade", cfg.nat.masquerade,
                   [&](const Node& item, const std::string& p) { return parse_masquerade(r, item, p, cfg); });
    if (const Node* s = n.find("snat"))
        parse_list(r, *s, "nat.snat", cfg.nat.snat,
                   [&](const Node& item, const std::string& p) { return parse_snat(r, item, p, cfg); });
    if (const Node* f = n.find("forwards")) {
        PathBuffer keys("");
        parse_list(r, *f, "nat.forwards", cfg.nat.forwards,
                   [&](const Node& item, const std::string& p) { return parse_forward(r, item, p, keys); });
    }
    if (const Node* h = n.find("hairpin")) assign(cfg.nat.hairpin, r.read_bool(*h, "nat.hairpin"));
    if (const Node* m = n.find("mss-clamp")) assign(cfg.nat.mss_clamp, r.read_bool(*m, "nat.mss-clamp"));
}

}  // namespace gw::config
