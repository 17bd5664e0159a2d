// One flattened filter rule -> one gateway.yaml firewall rule, or the
// reason it has none.
#include "rules/import/map_rule.hpp"

#include <algorithm>

namespace gw::import {

namespace {

const std::map<std::string, std::string> kIcmpTypes = {
    {"0", "echo-reply"},      {"3", "destination-unreachable"}, {"4", "source-quench"}, {"5", "redirect"},
    {"8", "echo-request"},    {"11", "time-exceeded"},          {"12", "parameter-problem"},
    {"13", "timestamp-request"}, {"14", "timestamp-reply"},
};
const std::map<std::string, std::string> kIcmp6Types = {
    {"1", "destination-unreachable"}, {"2", "packet-too-big"}, {"3", "time-exceeded"}, {"4", "parameter-problem"},
    {"128", "echo-request"}, {"129", "echo-reply"}, {"133", "nd-router-solicit"}, {"134", "nd-router-advert"},
    {"135", "nd-neighbor-solicit"}, {"136", "nd-neighbor-advert"},
};
const std::map<std::string, std::string> kIcmpNames = {
    {"echo-request", "echo-request"}, {"echo-reply", "echo-reply"}, {"destination-unreachable", "destination-unreachable"},
    {"time-exceeded", "time-exceeded"}, {"parameter-problem", "parameter-problem"}, {"packet-too-big", "packet-too-big"},
    {"router-solicitation", "nd-router-solicit"}, {"router-advertisement", "nd-router-advert"},
    {"neighbour-solicitation", "nd-neighbor-solicit"}, {"neighbour-advertisement", "nd-neighbor-advert"},
    {"neighbor-solicitation", "nd-neighbor-solicit"}, {"neighbor-advertisement", "nd-neighbor-advert"},
};

std::string proto_name(const std::string& p) {
    if (p == "6") return "tcp";
    if (p == "17") return "udp";
    if (p == "1") return "icmp";
    if (p == "58" || p == "ipv6-icmp" || p == "icmp6" || p == "icmpv6") return "icmpv6";
    if (p == "all" || p == "0") return "";
    return p;
}

std::optional<std::string> icmp_type_name(const std::string& written, bool v6) {
    if (written == "any") return "";
    std::string code = written.substr(0, written.find('/'));
    if (written.find('/') != std::string::npos && written.substr(written.find('/') + 1) != "0" && !v6 && code != "3")
        return std::nullopt;
    const auto& table = v6 ? kIcmp6Types : kIcmpTypes;
    if (auto it = table.find(code); it != table.end()) return it->second;
    if (auto it = kIcmpNames.find(written); it != kIcmpNames.end()) return it->second;
    return std::nullopt;
}

std::string verdict_action(const std::string& target) {
    if (target == "ACCEPT") return "allow";
    if (target == "DROP") return "deny";
    if (target == "REJECT") return "reject";
    return "";
}

// What in the matches gateway.yaml cannot say, or "".
std::string unsupported_matches(const Rule& r, const std::string& chain) {
    if (!r.unsupported.empty()) return "it uses " + r.unsupported.front();
    if ((r.proto && r.proto->negated) || (r.source && r.source->negated) ||
        (r.destination && r.destination->negated) || (r.in_if && r.in_if->negated) || (r.out_if && r.out_if->negated))
        return "a negated match ('!') has no equivalent";
    if (!r.sports.empty()) return "source ports have no equivalent in firewall rules";
    if (r.limit) return "a rate limit on a verdict has no equivalent (gatewayd limits logging only)";
    if (r.mark || r.connmark) return "a mark match has no equivalent outside the IPv6 bridge split";
    if (r.uid_owner || r.gid_owner) return "an owner match outside OUTPUT has no equivalent";
    if (chain == "OUTPUT" && r.in_if) return "-i in OUTPUT never matches";
    if (chain == "INPUT" && r.out_if) return "-o in INPUT never matches";
    for (const auto& s : r.states)
        if (s != "NEW") return "conntrack state " + s + " in a rule has no equivalent";
    return "";
}

bool is_established_accept(const Rule& r) {
    if (r.target != "ACCEPT" || r.states.empty()) return false;
    return std::all_of(r.states.begin(), r.states.end(),
                       [](const std::string& s) { return s == "ESTABLISHED" || s == "RELATED"; });
}

}  // namespace

RuleMapping map_rule(const Rule& r, const std::string& chain, SaveKind kind, Plan& plan) {
    RuleMapping out;
    out.rule.emplace();
    PlanRule& y = *out.rule;
    y.action = verdict_action(r.target);
    if (y.action.empty()) return {std::nullopt, "target " + r.target + " has no equivalent in the filter"};
    if (auto why = unsupported_matches(r, chain); !why.empty()) return {std::nullopt, why};
    y.family = family_of(kind);
    y.proto = r.proto ? proto_name(r.proto->value) : "";
    if (y.proto == "icmpv6" && kind != SaveKind::ip6tables) return {std::nullopt, "ICMPv6 in iptables-save"};
    if (y.proto == "icmp" && kind == SaveKind::ip6tables) y.proto = "icmpv6";
    if (!y.proto.empty() && y.proto != "tcp" && y.proto != "udp" && y.proto != "icmp" && y.proto != "icmpv6")
        return {std::nullopt, "protocol " + r.proto->value + " has no equivalent"};
    for (const auto& p : r.dports) y.ports.push_back(ports_text(p));
    if (r.icmp_type) {
        auto t = icmp_type_name(*r.icmp_type, kind == SaveKind::ip6tables);
        if (!t) return {std::nullopt, "ICMP type " + *r.icmp_type + " has no equivalent"};
        if (!t->empty()) y.icmp_types.push_back(*t);
    }
    if (r.in_if) {
        y.from = plan.zones_of(r.in_if->value);
        if (y.from.empty()) return {std::nullopt, "-i " + r.in_if->value + " is no zone"};
    }
    if (r.out_if) {
        y.to = plan.zones_of(r.out_if->value);
        if (y.to.empty()) return {std::nullopt, "-o " + r.out_if->value + " is no zone"};
    }
    if (r.source) y.source.push_back(checked_prefix(r.source->value, r, plan));
    if (r.destination) y.destination.push_back(checked_prefix(r.destination->value, r, plan));
    if (r.comment) {
        std::string name;
        for (char c : *r.comment)
            if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')
                name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            else if (!name.empty() && name.back() != '-') name += '-';
        if (!name.empty() && std::isalpha(static_cast<unsigned char>(name[0]))) y.name = name.substr(0, 15);
    }
    y.origins.push_back(origin_of(r));
    return out;
}

bool is_builtin_allow(const Rule& r) {
    if (is_established_accept(r) && !r.proto && !r.source && !r.destination && r.unsupported.empty()) return true;
    if (r.target == "DROP" && r.states == std::vector<std::string>{"INVALID"} && !r.proto) return true;
    bool lo = (r.in_if && r.in_if->value == "lo" && !r.in_if->negated) ||
              (r.out_if && r.out_if->value == "lo" && !r.out_if->negated);
    Rule bare = r;
    bare.in_if.reset(), bare.out_if.reset();
    return lo && r.target == "ACCEPT" && matches_everything(bare);
}

}  // namespace gw::import
