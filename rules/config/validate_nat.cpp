// Port forwards against each other and against the inside networks. Two
// forwards may not claim the same port on the same uplink (the kernel map
// would keep one silently); a target must be an inside host, never the
// gateway's own address.
#include <algorithm>
#include <set>
#include <utility>

#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

// Which of tcp/udp two forwards share; empty when none.
std::string shared_proto(Proto a, Proto b) {
    bool tcp = (a == Proto::tcp || a == Proto::tcp_udp) && (b == Proto::tcp || b == Proto::tcp_udp);
    bool udp = (a == Proto::udp || a == Proto::tcp_udp) && (b == Proto::udp || b == Proto::tcp_udp);
    if (tcp && udp) return "tcp and udp";
    return tcp ? "tcp" : udp ? "udp" : "";
}

// The uplink two forwards share: "" for none, "*" when both take every uplink.
std::string shared_uplink(const PortForward& a, const PortForward& b) {
    if (a.uplinks.empty() && b.uplinks.empty()) return "*";
    if (a.uplinks.empty()) return b.uplinks.front().value;
    if (b.uplinks.empty()) return a.uplinks.front().value;
    for (const auto& x : a.uplinks)
        for (const auto& y : b.uplinks)
            if (x.value == y.value) return x.value;
    return "";
}

std::string port_text(unsigned first, unsigned last) {
    return first == last ? "port " + std::to_string(first) : "ports " + std::to_string(first) + "-" + std::to_string(last);
}

// Two forwards that each name their public addresses (a routed subnet) and
// share none of them can publish the same port: they get maps of their own.
bool distinct_destinations(const Config& cfg, const PortForward& a, const PortForward& b) {
    if (a.destinations.empty() || b.destinations.empty()) return false;
    auto pa = cfg.prefixes_of(a.destinations, net::Family::ipv4);
    auto pb = cfg.prefixes_of(b.destinations, net::Family::ipv4);
    for (const auto& x : pa)
        for (const auto& y : pb)
            if (x.overlaps(y)) return false;
    return true;
}

void check_pair(Reader& r, const Config& cfg, const PortForward& a, const PortForward& b, const std::string& path) {
    std::string proto = shared_proto(a.proto.value, b.proto.value);
    std::string uplink = shared_uplink(a, b);
    if (proto.empty() || uplink.empty() || distinct_destinations(cfg, a, b)) return;
    for (const auto& pb : b.ports) {
        for (const auto& pa : a.ports) {
            unsigned lo = std::max(pa.first, pb.first), hi = std::min(pa.last, pb.last);
            if (lo > hi) continue;
            std::string where = uplink == "*" ? "" : " on uplink '" + uplink + "'";
            r.error(pb.loc, join_path(path, "port"),
                    proto + " " + port_text(lo, hi) + where + (lo == hi ? " is" : " are") + " already forwarded by '" +
                        a.name.value + "' (line " +
                        std::to_string(pa.loc.line) + ")",
                    "one uplink port can lead to one inside host only");
            return;
        }
    }
}

struct Inside {
    std::vector<net::Prefix> networks;
    std::vector<std::pair<net::Address, std::string>> own;  // gateway address, interface
};

Inside inside_of(const Config& cfg) {
    Inside in;
    for (const auto& itf : cfg.interfaces) {
        for (const auto& a : itf.addresses) {
            in.networks.push_back(a->network());
            in.own.emplace_back(a->address, itf.name.value);
        }
    }
    for (const auto& z : cfg.zones) {
        for (const auto& p : z.networks.prefixes) in.networks.push_back(*p);
        for (const auto& s : z.networks.sets)
            if (const AddressSet* set = cfg.find_set(s.value))
                for (const auto& e : set->elements) in.networks.push_back(*e);
    }
    return in;
}

// `index`: the forward's place in nat.forwards, for the path of a diagnostic.
void check_target(Reader& r, const Inside& in, const PortForward& f, std::size_t index) {
    if (!f.to.loc.known()) return;
    auto path = [&] { return join_path(join_path("nat.forwards", index), "to"); };
    for (const auto& [addr, itf] : in.own) {
        if (addr != f.to.value) continue;
        r.error(f.to.loc, path(),
                "forward target " + addr.str() + " is the gateway's own address (interface '" + itf + "')",
                "to publish a service of the gateway itself, allow it in firewall.input");
        return;
    }
    bool inside = std::any_of(in.networks.begin(), in.networks.end(),
                              [&](const net::Prefix& p) { return p.contains(f.to.value); });
    if (!inside)
        r.warning(f.to.loc, path(), "forward target " + f.to->str() + " is outside every internal network",
                  "internal networks are the zones' networks and the networks of interface addresses");
}

// Pairs (i < j) of forwards with overlapping port ranges, found with one
// sort and a sweep: a file with 10,000 forwards must not cost 50 million
// pair checks. check_pair() then applies the protocol and uplink rules.
std::set<std::pair<std::size_t, std::size_t>> overlapping_pairs(const std::vector<PortForward>& fw) {
    struct Span {
        unsigned first, last;
        std::size_t forward;
    };
    std::vector<Span> spans;
    for (std::size_t j = 0; j < fw.size(); ++j)
        for (const auto& p : fw[j].ports) spans.push_back({p.first, p.last, j});
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.first < b.first; });
    std::set<std::pair<std::size_t, std::size_t>> pairs;
    std::vector<Span> open;  // spans that may still overlap the next one
    for (const auto& s : spans) {
        std::erase_if(open, [&](const Span& o) { return o.last < s.first; });
        for (const auto& o : open)
            if (o.forward != s.forward) pairs.insert(std::minmax(o.forward, s.forward));
        open.push_back(s);
    }
    return pairs;
}

}  // namespace

void validate_nat(Reader& r, const Config& cfg) {
    const auto& fw = cfg.nat.forwards;
    for (auto [i, j] : overlapping_pairs(fw)) check_pair(r, cfg, fw[i], fw[j], join_path("nat.forwards", j));
    Inside in = inside_of(cfg);
    for (std::size_t j = 0; j < fw.size(); ++j) check_target(r, in, fw[j], j);
}

}  // namespace gw::config
