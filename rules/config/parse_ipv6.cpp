// ipv6.bridge-split: IPv6 bridged between the inside and outside ports
// while everything else is routed. Frames are told apart by an ingress-port
// mark, so the two marks must differ and each port may be used only once.
#include <cstdio>

#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kIpv6Keys[] = {"bridge-split"};
constexpr std::string_view kSplitKeys[] = {"bridge", "inside", "outside", "marks", "icmpv6-echo", "allow-inbound", "fallback"};
constexpr std::string_view kMarkKeys[] = {"inside", "outside"};

void parse_marks(Reader& r, const Node& n, const std::string& path, BridgeSplit& split) {
    if (!r.expect_map(n, path)) return;
    r.check_keys(n, path, kMarkKeys);
    if (const Node* v = n.find("inside")) assign(split.inside_mark, r.read_uint(*v, join_path(path, "inside"), 1, 0xffffffffu));
    if (const Node* v = n.find("outside"))
        assign(split.outside_mark, r.read_uint(*v, join_path(path, "outside"), 1, 0xffffffffu));
    if (split.inside_mark.value == split.outside_mark.value) {
        Loc at = split.outside_mark.loc.known() ? split.outside_mark.loc : split.inside_mark.loc;
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%x", static_cast<unsigned>(split.inside_mark.value));
        r.error(at, path, std::string("marks.inside and marks.outside are both ") + hex,
                "the mark tells the IPv6 filter which port a frame came in on; they must differ");
    }
}

// Every link may play one role: the bridge itself, one inside port, or the outside port.
void check_ports(Reader& r, const std::string& path, const BridgeSplit& split) {
    std::vector<const Name*> seen{&split.bridge};
    auto check = [&](const Name& port, const std::string& p) {
        if (port.value.empty()) return;
        for (const Name* s : seen) {
            if (s->value != port.value) continue;
            r.error(port.loc, p, "link '" + port.value + "' is used twice in bridge-split",
                    s->loc.known() ? "already used at line " + std::to_string(s->loc.line) : std::string{});
            return;
        }
        seen.push_back(&port);
    };
    for (std::size_t i = 0; i < split.inside.size(); ++i) check(split.inside[i], join_path(path, "inside"));
    check(split.outside, join_path(path, "outside"));
}

void check_inbound_v6(Reader& r, const std::string& path, const FirewallRule& rule) {
    if (rule.family.value == Family::ipv4)
        r.error(rule.family.loc, join_path(path, "family"), "allow-inbound rules are IPv6 only");
    if (rule.proto.value == Proto::icmp)
        r.error(rule.proto.loc, join_path(path, "proto"), "allow-inbound rules are IPv6 only", "use icmpv6");
    for (const AddressMatch* m : {&rule.source, &rule.destination})
        for (const auto& p : m->prefixes)
            if (p->address.family != net::Family::ipv6)
                r.error(p.loc, path, "IPv4 address " + prefix_text(*p) + " in allow-inbound, which is IPv6 only");
}

void parse_inbound(Reader& r, const Node& n, const std::string& path, BridgeSplit& split) {
    if (n.is_null() || !r.expect_list(n, path)) return;
    for (std::size_t i = 0; i < n.items.size(); ++i) {
        auto p = join_path(path, i);
        auto rule = parse_rule(r, n.items[i], p, RuleSite::allow_inbound);
        if (!rule) continue;
        check_inbound_v6(r, p, *rule);
        split.inbound.push_back(std::move(*rule));
    }
}

std::optional<BridgeSplit> parse_split(Reader& r, const Node& n, const std::string& path) {
    if (!r.expect_map(n, path)) return std::nullopt;
    r.check_keys(n, path, kSplitKeys);
    BridgeSplit split;
    split.loc = n.loc;
    if (const Node* v = r.require(n, path, "bridge")) assign(split.bridge, r.read_link_name(*v, join_path(path, "bridge")));
    if (const Node* v = r.require(n, path, "inside")) {
        split.inside = r.read_link_names(*v, join_path(path, "inside"));
        if (v->is_sequence() && v->items.empty()) r.error(v->loc, join_path(path, "inside"), "empty list of inside ports");
    }
    if (const Node* v = r.require(n, path, "outside")) assign(split.outside, r.read_link_name(*v, join_path(path, "outside")));
    if (const Node* v = n.find("marks")) parse_marks(r, *v, join_path(path, "marks"), split);
    if (const Node* v = n.find("icmpv6-echo")) assign(split.icmpv6_echo, r.read_bool(*v, join_path(path, "icmpv6-echo")));
    if (const Node* v = n.find("allow-inbound")) parse_inbound(r, *v, join_path(path, "allow-inbound"), split);
    if (const Node* v = n.find("fallback"))
        assign(split.fallback, r.read_enum<SplitFallback>(*v, join_path(path, "fallback"),
                                                          {{"refuse", SplitFallback::refuse},
                                                           {"l3-on-bridge", SplitFallback::l3_on_bridge}}));
    check_ports(r, path, split);
    return split;
}

}  // namespace

void parse_ipv6(Reader& r, const Node& n, Config& cfg) {
    if (!r.expect_map_or_null(n, "ipv6")) return;
    r.check_keys(n, "ipv6", kIpv6Keys);
    if (const Node* s = n.find("bridge-split"); s && !s->is_null())
        cfg.ipv6.bridge_split = parse_split(r, *s, "ipv6.bridge-split");
}

}  // namespace gw::config
