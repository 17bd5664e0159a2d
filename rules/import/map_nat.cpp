// The nat table: MASQUERADE and SNAT in POSTROUTING -> nat.masquerade and
// nat.snat, DNAT in PREROUTING -> nat.forwards grouped by target. What
// gatewayd cannot say (REDIRECT, address ranges, NAT in OUTPUT) is left out.
#include <algorithm>

#include "rules/import/plan.hpp"

namespace gw::import {

namespace {

std::vector<std::string> out_zones(const Rule& r, const Plan& plan) {
    std::vector<std::string> out;
    for (const auto& l : plan.links)
        if (std::find(out.begin(), out.end(), l.zone) == out.end()) out.push_back(l.zone);
    return r.out_if ? plan.zones_of(r.out_if->value) : out;
}

// Why the matches of a nat rule cannot be carried over, or "".
std::string nat_unsupported(const Rule& r) {
    if (!r.unsupported.empty()) return "it uses " + r.unsupported.front();
    for (const auto* neg : {r.in_if ? &*r.in_if : nullptr, r.out_if ? &*r.out_if : nullptr})
        if (neg && neg->negated) return "a negated interface has no equivalent";
    if ((r.source && r.source->negated) || (r.destination && r.destination->negated))
        return "a negated address has no equivalent";
    if (!r.sports.empty()) return "source ports have no equivalent in NAT";
    return "";
}

void map_postrouting(const Rule& r, SaveKind kind, Plan& plan) {
    if (kind != SaveKind::iptables) {
        plan.report(ReportKind::left_out, r, "IPv6 NAT: gatewayd routes IPv6 end to end and never translates it");
        return;
    }
    if (r.target != "MASQUERADE" && r.target != "SNAT")
        return plan.report(ReportKind::left_out, r, "target " + r.target + " in POSTROUTING has no equivalent");
    if (auto why = nat_unsupported(r); !why.empty()) return plan.report(ReportKind::left_out, r, why);
    if (r.proto || r.destination || !r.dports.empty())
        return plan.report(ReportKind::left_out, r, "source NAT limited by protocol, port or destination has no equivalent");
    PlanSourceNat n;
    n.from = {r.source ? checked_prefix(r.source->value, r, plan) : "0.0.0.0/0"};
    n.to = out_zones(r, plan);
    n.origins = {origin_of(r)};
    if (!r.out_if) plan.report(ReportKind::suspicious, r, "source NAT without -o also rewrites traffic to the LAN");
    if (r.target == "MASQUERADE") return plan.masquerade.push_back(n);
    std::string to = r.option("--to-source");
    if (to.find_first_of("-:") != std::string::npos || !net::Address::parse(to))
        return plan.report(ReportKind::left_out, r, "SNAT to an address range or with ports has no equivalent");
    n.address = to;
    plan.snat.push_back(n);
}

std::string short_proto(const std::string& p) { return p == "both" ? "tu" : p; }

void add_forward(PlanForward f, Plan& plan) {
    // Group by target: same host, protocol, sources and uplinks -> one forward.
    for (auto& g : plan.forwards)
        if (g.to == f.to && g.proto == f.proto && g.from == f.from && g.uplinks == f.uplinks &&
            g.destination == f.destination && f.to.find(':') == std::string::npos && g.to.find(':') == std::string::npos) {
            g.ports.insert(g.ports.end(), f.ports.begin(), f.ports.end());
            g.origins.insert(g.origins.end(), f.origins.begin(), f.origins.end());
            return;
        }
    // Same host and ports over TCP and UDP -> proto both.
    for (auto& g : plan.forwards)
        if (g.to == f.to && g.ports == f.ports && g.from == f.from && g.uplinks == f.uplinks &&
            g.destination == f.destination && ((g.proto == "tcp" && f.proto == "udp") || (g.proto == "udp" && f.proto == "tcp"))) {
            g.proto = "both";
            g.origins.insert(g.origins.end(), f.origins.begin(), f.origins.end());
            return;
        }
    plan.forwards.push_back(std::move(f));
}

// What a DNAT matched that its forward no longer does: without -d and -i,
// the LAN's own connections; without -d, any address arriving on the link.
void report_dnat_scope(const Rule& r, Plan& plan) {
    if (r.destination) return;
    if (!r.in_if)
        return plan.report(ReportKind::suspicious, r,
                           "DNAT without -d or -i also catches the LAN's own connections to any host on this "
                           "port; imported as a forward on the uplinks only");
    plan.report(ReportKind::narrowed, r,
                "DNAT without -d also forwards connections to any other address arriving on " + r.in_if->value +
                    " (a LAN host's private address included); imported as a forward on the uplink's own "
                    "addresses");
}

void map_dnat(const Rule& r, Plan& plan) {
    if (auto why = nat_unsupported(r); !why.empty()) return plan.report(ReportKind::left_out, r, why);
    std::string proto = r.proto ? r.proto->value : "";
    if (proto != "tcp" && proto != "udp")
        return plan.report(ReportKind::left_out, r, "DNAT of a whole address (no tcp/udp port) has no equivalent");
    std::string to = r.option("--to-destination");
    auto colon = to.find(':');
    auto host = net::Address::parse(to.substr(0, colon));
    if (!host || to.find('-') != std::string::npos)
        return plan.report(ReportKind::left_out, r, "DNAT to an address or port range has no equivalent");
    PlanForward f;
    f.proto = proto, f.to = to, f.origins = {origin_of(r)};
    for (const auto& p : r.dports) f.ports.push_back(ports_text(p));
    if (f.ports.empty()) f.ports.push_back("1-65535");
    if (colon != std::string::npos && (f.ports.size() != 1 || f.ports[0].find('-') != std::string::npos))
        return plan.report(ReportKind::left_out, r, "DNAT of several ports to one port has no equivalent");
    if (r.source) f.from = {checked_prefix(r.source->value, r, plan)};
    const PlanLink* link = r.in_if ? plan.find_link(r.in_if->value) : nullptr;
    if (link && link->uplink) f.uplinks = {link->name};
    report_dnat_scope(r, plan);
    // -d keeps its meaning: the forward answers on that address (a routed
    // public subnet, or the uplink's own static address) instead of
    // following the uplink's addresses.
    if (r.destination) f.destination = {r.destination->value.str()};
    add_forward(std::move(f), plan);  // named by name_forwards once all are grouped
}

void name_forwards(Plan& plan) {
    std::map<std::string, int> seen;
    for (auto& f : plan.forwards) {
        std::string base = "fwd-" + short_proto(f.proto) + "-" + f.ports[0].substr(0, f.ports[0].find('-'));
        f.name = numbered_name(base, seen);
    }
}

}  // namespace

void map_nat(const std::vector<SaveFile>& files, Plan& plan) {
    for (const auto& f : files) {
        const Table* t = f.kind == SaveKind::ebtables ? nullptr : f.find_table("nat");
        if (!t) continue;
        for (const auto& r : t->rules) {
            if (r.chain == "POSTROUTING") map_postrouting(r, f.kind, plan);
            else if (r.chain == "PREROUTING" && r.target == "DNAT" && f.kind == SaveKind::iptables) map_dnat(r, plan);
            else plan.report(ReportKind::left_out, r, "NAT rule (" + r.chain + " -j " + r.target + ") has no equivalent");
        }
    }
    name_forwards(plan);
}

}  // namespace gw::import
