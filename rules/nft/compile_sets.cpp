// Address lists -> named interval sets, one per family ("rfc1918_v4",
// "ula_v6"): nft sets hold one address type. User sets always exist (the
// operator declared them); built-ins only once a rule uses them. The
// uplinks' current addresses live in their own sets, filled from the facts,
// so a PPPoE reconnect changes elements and never a chain.
#include <algorithm>

#include "rules/nft/compile.hpp"
#include "rules/nft/compile_context.hpp"
#include "rules/nft/diff.hpp"

namespace gw::rules::detail {

namespace {

std::string family_suffix(net::Family family) {
    return family == net::Family::ipv4 ? "_v4" : "_v6";
}

nft::Key set_key(net::Family family) {
    return family == net::Family::ipv4 ? nft::Key::ip_saddr : nft::Key::ip6_saddr;
}

bool has_family(const config::AddressSet& set, net::Family family) {
    return std::any_of(set.elements.begin(), set.elements.end(),
                       [&](const auto& p) { return p->address.family == family; });
}

// Elements keep the Loc of the first config prefix that covers them.
nft::Set address_set(const config::AddressSet& src, net::Family family) {
    nft::Set s;
    s.name = *src.name + family_suffix(family);
    s.key = {set_key(family)};
    s.interval = true;
    s.origin = src.loc;
    std::vector<net::Prefix> prefixes;
    for (const auto& p : src.elements)
        if (p->address.family == family) prefixes.push_back(*p);
    for (const auto& p : merge_prefixes(prefixes)) {
        nft::Element e;
        e.key = {p};
        for (const auto& lp : src.elements)
            if (lp->network().contains(p) && !e.origin.known()) e.origin = lp.loc;
        s.elements.push_back(std::move(e));
    }
    return s;
}

// Name of the nft set for config set `src` in `family`, declared on first use.
std::string ensure_set(Context& ctx, const config::AddressSet& src, net::Family family) {
    auto name = *src.name + family_suffix(family);
    if (!ctx.has_set(name)) ctx.add_set(address_set(src, family), SetGroup::addresses);
    return name;
}

}  // namespace

std::vector<net::Prefix> merge_prefixes(std::vector<net::Prefix> prefixes) {
    for (auto& p : prefixes) p = p.network();
    std::sort(prefixes.begin(), prefixes.end(), [](const net::Prefix& a, const net::Prefix& b) {
        if (a.address != b.address) return a.address < b.address;
        return a.length < b.length;
    });
    // Prefixes nest or are disjoint; sorted by address, a covering prefix
    // comes before everything it covers.
    std::vector<net::Prefix> out;
    for (const auto& p : prefixes)
        if (out.empty() || !out.back().contains(p)) out.push_back(p);
    return out;
}

void compile_sets(Context& ctx) {
    for (const auto& set : ctx.config().sets) {
        if (set.builtin) continue;
        for (auto family : {net::Family::ipv4, net::Family::ipv6})
            if (has_family(set, family)) ensure_set(ctx, set, family);
    }
}

Families address_families(const Context& ctx, const config::AddressMatch& match) {
    if (match.empty()) return Families::both();
    Families f;
    for (const auto& p : match.prefixes) (p->address.family == net::Family::ipv4 ? f.v4 : f.v6) = true;
    for (const auto& n : match.sets) {
        if (const auto* set = find_named(ctx.config().sets, *n)) {
            f.v4 = f.v4 || has_family(*set, net::Family::ipv4);
            f.v6 = f.v6 || has_family(*set, net::Family::ipv6);
        }
    }
    return f;
}

std::vector<nft::Stmt> address_alternatives(Context& ctx, const config::AddressMatch& match,
                                            net::Family family, nft::Key key) {
    std::vector<nft::Stmt> out;
    std::vector<net::Prefix> literal;
    for (const auto& p : match.prefixes)
        if (p->address.family == family) literal.push_back(*p);
    if (!literal.empty()) {
        auto merged = merge_prefixes(std::move(literal));
        out.push_back(in_values(key, {merged.begin(), merged.end()}));
    }
    for (const auto& n : match.sets) {
        const auto* set = find_named(ctx.config().sets, *n);
        if (set && has_family(*set, family)) out.push_back(in_set(key, ensure_set(ctx, *set, family)));
    }
    return out;
}

std::vector<net::Prefix> flatten_addresses(const Context& ctx, const config::AddressMatch& match,
                                           net::Family family) {
    return merge_prefixes(ctx.config().prefixes_of(match, family));
}

namespace {

void add_uplink_addresses(const config::Config& config, const Facts& facts, const config::Uplink& up,
                          nft::Set& set) {
    for (const auto& a : rules::uplink_ipv4_addresses(config, up, facts)) {
        nft::Element e;
        e.key = {net::Prefix{a, a.bits()}};
        e.comment = *up.name;
        e.origin = up.loc;
        bool dup = std::any_of(set.elements.begin(), set.elements.end(),
                               [&](const nft::Element& x) { return x.key == e.key; });
        if (!dup) set.elements.push_back(std::move(e));
    }
}

}  // namespace

std::string uplink_address_set_name(std::string_view uplink) {
    return uplink.empty() ? std::string(kUplinkAddr4Set) : "uplink_" + std::string(uplink) + "_addr4";
}

nft::Set build_uplink_address_set(const config::Config& config, const Facts& facts, std::string_view uplink) {
    nft::Set s;
    s.name = uplink_address_set_name(uplink);
    s.key = {nft::Key::ip_daddr};
    for (const auto& up : config.uplinks)
        if (uplink.empty() || *up.name == uplink) add_uplink_addresses(config, facts, up, s);
    nft::sort_elements(s.elements);
    return s;
}

std::string uplink_address_set(Context& ctx, std::string_view uplink) {
    auto name = uplink_address_set_name(uplink);
    if (!ctx.has_set(name)) ctx.add_set(build_uplink_address_set(ctx.config(), ctx.facts(), uplink), SetGroup::uplinks);
    return name;
}

}  // namespace gw::rules::detail

namespace gw::rules {

std::vector<nft::Set> compile_uplink_address_sets(const config::Config& config, const Facts& facts) {
    std::vector<nft::Set> out{detail::build_uplink_address_set(config, facts, "")};
    for (const auto& up : config.uplinks) out.push_back(detail::build_uplink_address_set(config, facts, *up.name));
    for (auto& s : out) detail::default_set_origin(s);
    return out;
}

}  // namespace gw::rules
