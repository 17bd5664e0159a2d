// The gateway.yaml an import builds, as plain values close to the text:
// the mapping fills it, emit_yaml.cpp prints it. Every entry remembers the
// original lines it came from, printed as comments next to it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rules/import/import.hpp"

namespace gw::import {

struct Origin {
    std::string where;  // "file:line"
};

struct PlanRule {
    std::string name;
    std::string action;  // allow, deny, reject
    std::vector<std::string> from, to;  // zone names
    std::vector<std::string> source, destination;
    std::string proto;   // "", tcp, udp, both, icmp, icmpv6
    std::vector<std::string> ports;
    std::vector<std::string> icmp_types;
    std::string family;  // "", ipv4, ipv6
    bool log = false;
    std::vector<std::string> origins;
    friend bool operator==(const PlanRule&, const PlanRule&) = default;
};

struct PlanLog {
    std::string prefix;
    std::uint32_t rate = 5;
    std::string per = "minute";
    std::uint32_t burst = 10;
};

struct PlanChain {
    std::string policy;  // accept, drop
    std::optional<PlanLog> log;
    std::vector<PlanRule> rules;
};

struct PlanSourceNat {
    std::vector<std::string> from, to;
    std::string address;  // snat only
    std::vector<std::string> origins;
};

struct PlanForward {
    std::string name, proto, to;
    std::vector<std::string> ports, from, uplinks;
    std::vector<std::string> destination;  // empty: the uplinks' own addresses
    std::vector<std::string> origins;
};

struct PlanEgress {
    std::string name, proto, family, action;
    std::vector<std::string> ports, destination, users, groups, deny_users, deny_groups;
    std::vector<std::string> origins;
};

struct PlanLink {
    std::string name;     // the key in gateway.yaml
    std::string device;   // kernel link name
    bool uplink = false;  // an uplink (pppoe when ppp*, else next-hop)
    bool pppoe = false;
    std::string zone;
    std::vector<std::string> addresses;  // from this machine, when known
};

struct PlanSplit {
    std::string bridge;
    std::vector<std::string> inside;
    std::string outside;
    std::uint32_t inside_mark = 0x600, outside_mark = 0x601;
    std::vector<PlanRule> inbound;
    std::vector<std::string> origins;
};

struct PlanPin {
    std::string from, uplink;
    std::vector<std::string> origins;
};

struct Plan {
    std::vector<PlanLink> links;
    std::map<std::string, std::vector<std::string>> zone_networks;
    std::vector<PlanSourceNat> masquerade, snat;
    std::vector<PlanForward> forwards;
    bool mss_clamp = false;
    bool icmp_echo = false;
    PlanChain input{"drop", {}, {}}, forward{"drop", {}, {}}, output{"accept", {}, {}};
    std::vector<PlanEgress> egress;
    std::optional<PlanSplit> split;
    std::vector<PlanPin> pins;
    bool reply_via_ingress = false;
    std::vector<Report> reports;

    // The zone of a kernel link named in a rule ("ppp+" matches ppp0 ...).
    std::vector<std::string> zones_of(const std::string& ifname) const;
    PlanLink* find_link(const std::string& device);
    void report(ReportKind kind, const Rule& rule, std::string message) {
        reports.push_back({kind, rule.file, rule.line, rule.text, std::move(message)});
    }
};

// The steps of import_rulesets, in order.
void map_links(const std::vector<SaveFile>& files, const ImportOptions& options, Plan& plan);
void map_nat(const std::vector<SaveFile>& files, Plan& plan);
void map_mangle(const std::vector<SaveFile>& files, Plan& plan);
void map_bridge_split(const std::vector<SaveFile>& files, Plan& plan);
void map_filter(const std::vector<SaveFile>& files, const ImportOptions& options, Plan& plan);
std::string emit_yaml(const Plan& plan, const std::vector<SaveFile>& files);

// Shared by the steps.
std::string origin_of(const Rule& rule);
std::string ports_text(const PortSpan& p);
std::string family_of(SaveKind kind);
// `base` for the first entry named from it, then base-2, base-3, ...; cut
// to the 15 characters of a gateway.yaml name.
std::string numbered_name(const std::string& base, std::map<std::string, int>& seen);
// A prefix as gateway.yaml wants it, with a typo'd private range corrected
// (and reported) so the output passes `gwctl check`.
std::string checked_prefix(const net::Prefix& p, const Rule& rule, Plan& plan);

}  // namespace gw::import
