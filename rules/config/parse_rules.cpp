// One firewall rule (also used for bridge-split inbound allows). What a rule
// may contain depends on where it sits: input rules have no `to`, output
// rules no `from`, inbound allows neither and only `action: allow`.
#include <algorithm>

#include "rules/config/sections.hpp"
#include "rules/config/suggest.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kRuleKeys[] = {"action", "name",  "from",       "to",     "source", "destination",
                                          "proto",  "port",  "icmp-types", "family", "log"};

// The type names nft knows, so a rule never fails only when it is applied.
constexpr std::string_view kIcmpTypes[] = {
    "echo-reply",         "destination-unreachable", "source-quench",      "redirect",
    "echo-request",       "router-advertisement",    "router-solicitation", "time-exceeded",
    "parameter-problem",  "timestamp-request",       "timestamp-reply",    "info-request",
    "info-reply",         "address-mask-request",    "address-mask-reply",
};
constexpr std::string_view kIcmpv6Types[] = {
    "destination-unreachable", "packet-too-big",      "time-exceeded",       "parameter-problem",
    "echo-request",            "echo-reply",          "mld-listener-query",  "mld-listener-report",
    "mld-listener-done",       "mld-listener-reduction", "nd-router-solicit", "nd-router-advert",
    "nd-neighbor-solicit",     "nd-neighbor-advert",  "nd-redirect",         "router-renumbering",
    "ind-neighbor-solicit",    "ind-neighbor-advert", "mld2-listener-report",
};

std::optional<Located<Proto>> read_proto(Reader& r, const Node& n, const std::string& path) {
    return r.read_enum<Proto>(n, path, {{"tcp", Proto::tcp}, {"udp", Proto::udp}, {"both", Proto::tcp_udp},
                                        {"icmp", Proto::icmp}, {"icmpv6", Proto::icmpv6}});
}

bool has_ports(Proto p) {
    return p == Proto::tcp || p == Proto::udp || p == Proto::tcp_udp;
}

void check_site_keys(Reader& r, const Node& n, const std::string& path, RuleSite site) {
    auto forbid = [&](std::string_view key, std::string why) {
        if (const Node* k = n.find_key(key)) r.error(k->loc, join_path(path, key), std::move(why));
    };
    if (site == RuleSite::input) forbid("to", "'to' is not valid in input rules: input traffic is for the gateway itself");
    if (site == RuleSite::output) forbid("from", "'from' is not valid in output rules: output traffic comes from the gateway itself");
    if (site == RuleSite::allow_inbound) {
        forbid("from", "'from' is not valid in allow-inbound: inbound traffic comes from the outside port");
        forbid("to", "'to' is not valid in allow-inbound: inbound traffic goes to the inside ports");
    }
}

void parse_icmp_types(Reader& r, const Node& n, const std::string& path, Proto proto, FirewallRule& rule) {
    rule.icmp_types = r.read_strings(n, path);
    if (proto != Proto::icmp && proto != Proto::icmpv6) return;
    auto known = proto == Proto::icmp ? std::span<const std::string_view>(kIcmpTypes)
                                      : std::span<const std::string_view>(kIcmpv6Types);
    for (const auto& t : rule.icmp_types) {
        if (std::find(known.begin(), known.end(), t.value) != known.end()) continue;
        std::string hint = did_you_mean(t.value, known);
        r.error(t.loc, path, "unknown " + std::string(proto == Proto::icmp ? "icmp" : "icmpv6") + " type '" +
                                 t.value + "'", hint);
    }
}

void parse_rule_body(Reader& r, const Node& n, const std::string& path, FirewallRule& rule) {
    if (const Node* v = n.find("name")) assign(rule.name, r.read_name(*v, join_path(path, "name")));
    if (const Node* v = n.find("from")) rule.from = r.read_names(*v, join_path(path, "from"));
    if (const Node* v = n.find("to")) rule.to = r.read_names(*v, join_path(path, "to"));
    if (const Node* v = n.find("source")) rule.source = r.read_address_list(*v, join_path(path, "source"));
    if (const Node* v = n.find("destination"))
        rule.destination = r.read_address_list(*v, join_path(path, "destination"));
    if (const Node* v = n.find("proto")) assign(rule.proto, read_proto(r, *v, join_path(path, "proto")));
    if (const Node* v = n.find("port")) rule.ports = r.read_ports(*v, join_path(path, "port"));
    if (const Node* v = n.find("icmp-types"))
        parse_icmp_types(r, *v, join_path(path, "icmp-types"), rule.proto.value, rule);
    if (const Node* v = n.find("family"))
        assign(rule.family, r.read_enum<Family>(*v, join_path(path, "family"),
                                                {{"ipv4", Family::ipv4}, {"ipv6", Family::ipv6}, {"any", Family::any}}));
    if (const Node* v = n.find("log")) assign(rule.log, r.read_bool(*v, join_path(path, "log")));
}

void check_family(Reader& r, const std::string& path, const Located<Family>& family, const AddressMatch& m) {
    if (family.value == Family::any) return;
    auto want = family.value == Family::ipv4 ? net::Family::ipv4 : net::Family::ipv6;
    for (const auto& p : m.prefixes) {
        if (p->address.family == want) continue;
        r.error(p.loc, path,
                std::string(want == net::Family::ipv4 ? "IPv6" : "IPv4") + " address " + prefix_text(*p) + " in a rule for " +
                    (want == net::Family::ipv4 ? "ipv4" : "ipv6") + " only",
                "remove 'family' or the address");
    }
}

}  // namespace

void check_rule_shape(Reader& r, const Node& n, const std::string& path, const Located<Proto>& proto,
                      const Located<Family>& family, const AddressMatch& src, const AddressMatch& dst) {
    if (const Node* k = n.find_key("port"); k && !has_ports(proto.value))
        r.error(k->loc, join_path(path, "port"), "'port' is only valid with proto tcp, udp or both");
    if (const Node* k = n.find_key("icmp-types"); k && proto.value != Proto::icmp && proto.value != Proto::icmpv6)
        r.error(k->loc, join_path(path, "icmp-types"), "'icmp-types' is only valid with proto icmp or icmpv6");
    if (proto.value == Proto::icmp && family.value == Family::ipv6)
        r.error(proto.loc, join_path(path, "proto"), "proto icmp is IPv4 only, but family is ipv6",
                "use icmpv6 for IPv6");
    if (proto.value == Proto::icmpv6 && family.value == Family::ipv4)
        r.error(proto.loc, join_path(path, "proto"), "proto icmpv6 is IPv6 only, but family is ipv4",
                "use icmp for IPv4");
    check_family(r, join_path(path, "source"), family, src);
    check_family(r, join_path(path, "destination"), family, dst);
}

std::optional<FirewallRule> parse_rule(Reader& r, const Node& n, const std::string& path, RuleSite site) {
    if (!r.expect_map(n, path)) return std::nullopt;
    r.check_keys(n, path, kRuleKeys);
    check_site_keys(r, n, path, site);
    FirewallRule rule;
    rule.loc = n.loc;
    if (const Node* a = r.require(n, path, "action")) {
        assign(rule.action, r.read_enum<Action>(*a, join_path(path, "action"),
                                                {{"allow", Action::allow}, {"deny", Action::deny}, {"reject", Action::reject}}));
        if (site == RuleSite::allow_inbound && rule.action.loc.known() && rule.action.value != Action::allow)
            r.error(a->loc, join_path(path, "action"), "allow-inbound rules can only allow",
                    "everything not allowed is dropped already");
    }
    parse_rule_body(r, n, path, rule);
    check_rule_shape(r, n, path, rule.proto, rule.family, rule.source, rule.destination);
    return rule;
}

}  // namespace gw::config
