// Statement builders shared by every section. Rules carry their protocol
// dependencies explicitly (meta nfproto before ip/ip6 payload, meta l4proto
// before th/icmp/tcp fields), so the kernel encoder emits each statement as
// written and a decoded rule compares equal to the compiled one.
#include "rules/nft/compile_context.hpp"

#include "rules/nft/diff.hpp"
#include "rules/nft/keys.hpp"

namespace gw::rules::detail {

using nft::Key;

Alternatives product(const Alternatives& a, const Alternatives& b) {
    Alternatives out;
    for (const auto& x : a) {
        for (const auto& y : b) {
            auto both = x;
            both.insert(both.end(), y.begin(), y.end());
            out.push_back(std::move(both));
        }
    }
    return out;
}

nft::Stmt cmp(Key key, nft::Value value) {
    return nft::Cmp{key, std::move(value), false};
}

nft::Stmt in_set(Key key, std::string set) {
    return nft::Lookup{{key}, std::move(set), {}, false};
}

nft::Stmt in_values(Key key, std::vector<nft::Value> values) {
    if (values.size() == 1) return cmp(key, values.front());
    nft::Lookup lookup{{key}, {}, {}, false};
    for (auto& v : values) lookup.inline_set.push_back(nft::Element{{std::move(v)}, {}, {}, {}, {}, {}});
    nft::sort_elements(lookup.inline_set);
    return lookup;
}

nft::Stmt nfproto(net::Family family) {
    return cmp(Key::meta_nfproto,
               family == net::Family::ipv4 ? nft::kNfprotoIpv4 : nft::kNfprotoIpv6);
}

nft::Stmt counter() {
    return nft::Counter{};
}

nft::Stmt verdict(nft::VerdictKind kind) {
    return nft::Verdict{kind, {}};
}

nft::Rule make_rule(std::vector<nft::Stmt> stmts, std::string comment, config::Loc origin) {
    nft::Rule r;
    r.stmts = std::move(stmts);
    r.comment = std::move(comment);
    r.origin = origin;
    return r;
}

L4Protos l4protos(config::Proto proto) {
    switch (proto) {
    case config::Proto::tcp: return {{nft::kProtoTcp}, 1};
    case config::Proto::udp: return {{nft::kProtoUdp}, 1};
    case config::Proto::tcp_udp: return {{nft::kProtoTcp, nft::kProtoUdp}, 2};
    case config::Proto::icmp: return {{nft::kProtoIcmp}, 1};
    case config::Proto::icmpv6: return {{nft::kProtoIcmpv6}, 1};
    case config::Proto::any: break;
    }
    return {};
}

Families proto_families(config::Proto proto) {
    if (proto == config::Proto::icmp) return {true, false};
    if (proto == config::Proto::icmpv6) return {false, true};
    return Families::both();
}

Families config_families(config::Family family) {
    if (family == config::Family::ipv4) return {true, false};
    if (family == config::Family::ipv6) return {false, true};
    return Families::both();
}

namespace {

nft::Value port_value(const config::PortRange& r) {
    if (r.single()) return std::uint64_t{r.first};
    return nft::IntRange{r.first, r.last};
}

// icmp-types names were checked by validation; an unknown one is skipped
// rather than matched as type 0.
std::vector<nft::Value> icmp_values(Key key, const config::Names& names) {
    std::vector<nft::Value> out;
    for (const auto& n : names)
        if (auto v = nft::symbol_value(key, *n)) out.emplace_back(*v);
    return out;
}

}  // namespace

std::vector<nft::Stmt> proto_matches(config::Proto proto, const config::Ports& ports,
                                     const config::Names& icmp_types) {
    std::vector<nft::Stmt> out;
    auto protos = l4protos(proto);
    if (protos.empty()) return out;
    out.push_back(in_values(Key::meta_l4proto, {protos.begin(), protos.end()}));
    if (!ports.empty()) {
        std::vector<nft::Value> values;
        for (const auto& r : ports) values.push_back(port_value(r));
        out.push_back(in_values(Key::th_dport, std::move(values)));
    }
    Key icmp_key = proto == config::Proto::icmpv6 ? Key::icmpv6_type : Key::icmp_type;
    auto types = icmp_values(icmp_key, icmp_types);
    if (!types.empty()) out.push_back(in_values(icmp_key, std::move(types)));
    return out;
}

}  // namespace gw::rules::detail
