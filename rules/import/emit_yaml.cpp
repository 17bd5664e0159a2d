// Plan -> gateway.yaml text. Each entry is preceded by a comment naming
// the original lines it came from; what was left out, flagged or covered
// by gatewayd itself closes the file as comments holding the original
// lines, so nothing of the ruleset disappears silently.
#include <algorithm>
#include <sstream>

#include "rules/import/plan.hpp"

namespace gw::import {

namespace {

// Plain when YAML reads it back as the same string (addresses, names,
// port numbers); quoted otherwise (IPv6 colons, prefixes, "1.5").
std::string q(const std::string& s) {
    bool plain = !s.empty() && s != "true" && s != "false" && s != "null" && s != "yes" && s != "no";
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '/' && c != '_' && c != '-') plain = false;
    bool letters = std::any_of(s.begin(), s.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
    if (plain && (letters || std::count(s.begin(), s.end(), '.') != 1) && s[0] != '-') return s;
    std::string out = "\"";
    for (char c : s) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    return out + "\"";
}

std::string list(const std::vector<std::string>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + q(v[i]);
    return out + "]";
}

class Out {
public:
    void line(int indent, const std::string& text) { os_ << std::string(indent, ' ') << text << "\n"; }
    void origins(int indent, const std::vector<std::string>& o) {
        if (o.empty()) return;
        std::string text = "# from";
        for (std::size_t i = 0; i < o.size(); ++i) text += (i ? ", " : " ") + o[i];
        line(indent, text);
    }
    void opt(int indent, const std::string& key, const std::vector<std::string>& v) {
        if (!v.empty()) line(indent, key + ": " + list(v));
    }
    void opt(int indent, const std::string& key, const std::string& v) {
        if (!v.empty()) line(indent, key + ": " + q(v));
    }
    std::string str() const { return os_.str(); }

private:
    std::ostringstream os_;
};

void emit_links(Out& o, const Plan& p) {
    bool any_if = false, any_up = false;
    for (const auto& l : p.links) (l.uplink ? any_up : any_if) = true;
    if (any_if) o.line(0, "interfaces:");
    for (const auto& l : p.links) {
        if (l.uplink) continue;
        if (l.addresses.empty())
            o.line(2, "# CHECK: " + l.device + " had no address here; gatewayd keeps only the addresses listed");
        o.line(2, q(l.name) + ": {device: " + q(l.device) + ", addresses: " + list(l.addresses) + "}");
    }
    if (any_up) o.line(0, "uplinks:");
    int next_hops = 0;
    for (const auto& l : p.links) {
        if (!l.uplink) continue;
        o.line(2, q(l.name) + ":");
        if (l.pppoe) {
            o.line(4, "kind: pppoe");
            o.line(4, "device: wan0                # CHECK: the Ethernet port PPPoE runs on (not in the ruleset)");
            o.line(4, "username: CHANGE-ME         # CHECK: from your pppd peers file");
            o.line(4, "password-file: /etc/gatewayd/" + l.name + ".password   # mode 0600");
        } else {
            o.line(4, "kind: next-hop");
            o.line(4, "device: " + q(l.device));
            // A placeholder per uplink, each in its own /29 of 192.0.2.0/24.
            std::string gw = "192.0.2." + std::to_string(1 + 8 * next_hops++);
            o.line(4, "gateway: " + gw + "          # CHECK: the router on " + l.device + " (not in the ruleset)");
        }
    }
}

void emit_zones(Out& o, const Plan& p) {
    if (p.links.empty()) return;
    o.line(0, "zones:");
    for (const auto& l : p.links) {
        o.line(2, q(l.zone) + ":");
        o.line(4, std::string(l.uplink ? "uplinks: " : "interfaces: ") + list({l.name}));
        if (auto it = p.zone_networks.find(l.zone); it != p.zone_networks.end()) o.opt(4, "networks", it->second);
    }
}

void emit_nat(Out& o, const Plan& p) {
    o.line(0, "nat:");
    auto source_nat = [&](const char* key, const std::vector<PlanSourceNat>& v) {
        if (v.empty()) return;
        o.line(2, std::string(key) + ":");
        for (const auto& m : v) {
            o.origins(4, m.origins);
            o.line(4, "- from: " + list(m.from));
            o.line(6, "to: " + list(m.to));
            o.opt(6, "address", m.address);
        }
    };
    source_nat("masquerade", p.masquerade);
    source_nat("snat", p.snat);
    if (!p.forwards.empty()) o.line(2, "forwards:");
    for (const auto& f : p.forwards) {
        o.origins(4, f.origins);
        o.line(4, "- name: " + q(f.name));
        o.line(6, "proto: " + f.proto);
        o.line(6, "port: " + list(f.ports));
        o.line(6, "to: " + q(f.to));
        o.opt(6, "from", f.from);
        o.opt(6, "uplink", f.uplinks);
        o.opt(6, "destination", f.destination);
    }
    o.line(2, "hairpin: true                # new: LAN hosts reach the forwards on the public address");
    o.line(2, std::string("mss-clamp: ") + (p.mss_clamp ? "true" : "false"));
}

void emit_rule(Out& o, int indent, const PlanRule& r) {
    o.origins(indent, r.origins);
    o.line(indent, "- action: " + r.action);
    int i = indent + 2;
    o.opt(i, "name", r.name);
    o.opt(i, "from", r.from);
    o.opt(i, "to", r.to);
    o.opt(i, "source", r.source);
    o.opt(i, "destination", r.destination);
    o.opt(i, "proto", r.proto);
    o.opt(i, "port", r.ports);
    o.opt(i, "icmp-types", r.icmp_types);
    o.opt(i, "family", r.family);
    if (r.log) o.line(i, "log: true");
}

void emit_chain(Out& o, const char* name, const PlanChain& c) {
    o.line(2, std::string(name) + ":");
    o.line(4, "policy: " + c.policy);
    if (c.log) {
        o.line(4, "log: {prefix: " + q(c.log->prefix.empty() ? std::string("gw-") + name + "-drop: " : c.log->prefix) +
                      ", rate: " + std::to_string(c.log->rate) + ", per: " + c.log->per +
                      ", burst: " + std::to_string(c.log->burst) + "}");
    }
    if (c.rules.empty()) return;
    o.line(4, "rules:");
    for (const auto& r : c.rules) emit_rule(o, 6, r);
}

void emit_filter(Out& o, const Plan& p) {
    o.line(0, "firewall:");
    o.line(2, "icmp-echo: false             # echo requests only where a rule below allows them");
    emit_chain(o, "input", p.input);
    emit_chain(o, "forward", p.forward);
    emit_chain(o, "output", p.output);
}

void emit_egress(Out& o, const Plan& p) {
    if (p.egress.empty()) return;
    o.line(0, "egress:");
    for (const auto& e : p.egress) {
        o.origins(2, e.origins);
        o.line(2, "- name: " + q(e.name));
        o.line(4, "proto: " + e.proto);
        o.opt(4, "port", e.ports);
        o.opt(4, "destination", e.destination);
        o.opt(4, "family", e.family);
        o.opt(4, "users", e.users);
        o.opt(4, "groups", e.groups);
        o.opt(4, "deny-users", e.deny_users);
        o.opt(4, "deny-groups", e.deny_groups);
        o.line(4, "action: " + e.action);
    }
}

void emit_split(Out& o, const Plan& p) {
    if (!p.split) return;
    const auto& s = *p.split;
    o.line(0, "ipv6:");
    o.line(2, "bridge-split:");
    o.origins(4, s.origins);
    o.line(4, "bridge: " + q(s.bridge));
    o.line(4, "inside: " + list(s.inside));
    o.line(4, "outside: " + q(s.outside));
    std::ostringstream marks;
    marks << "marks: {inside: 0x" << std::hex << s.inside_mark << ", outside: 0x" << s.outside_mark << "}";
    o.line(4, marks.str());
    o.line(4, "icmpv6-echo: true");
    if (s.inbound.empty()) return;
    o.line(4, "allow-inbound:");
    for (const auto& r : s.inbound) emit_rule(o, 6, r);
}

void emit_routing(Out& o, const Plan& p) {
    if (p.pins.empty()) return;
    o.line(0, "routing:");
    o.line(2, "reply-via-ingress: true");
    o.line(2, "pin:");
    for (const auto& pin : p.pins) {
        o.origins(4, pin.origins);
        o.line(4, "- from: " + q(pin.from));
        o.line(6, "uplink: " + q(pin.uplink));
    }
}

void emit_reports(Out& o, const Plan& p, ReportKind kind, const std::string& title) {
    bool first = true;
    for (const auto& r : p.reports) {
        if (r.kind != kind) continue;
        if (first) o.line(0, ""), o.line(0, "# " + title), first = false;
        o.line(0, "#   " + r.where() + ": " + r.text);
        o.line(0, "#     " + r.message);
    }
}

}  // namespace

std::string emit_yaml(const Plan& plan, const std::vector<SaveFile>& files) {
    Out o;
    o.line(0, "# Imported from an iptables ruleset by `gwctl import iptables`:");
    for (const auto& f : files)
        o.line(0, "#   " + f.path + " (" +
                      (f.kind == SaveKind::iptables ? "iptables-save" : f.kind == SaveKind::ip6tables ? "ip6tables-save" : "ebtables-save") +
                      ")");
    o.line(0, "# Review the lines marked CHECK and the notes at the end before applying.");
    o.line(0, "version: 1");
    emit_links(o, plan);
    emit_zones(o, plan);
    emit_nat(o, plan);
    emit_filter(o, plan);
    emit_egress(o, plan);
    emit_split(o, plan);
    emit_routing(o, plan);
    emit_reports(o, plan, ReportKind::left_out, "Left out: no equivalent in gateway.yaml");
    emit_reports(o, plan, ReportKind::suspicious, "Not copied as written: probably a bug in the original");
    emit_reports(o, plan, ReportKind::covered, "Done by gatewayd itself (or merged into an entry above)");
    return o.str();
}

}  // namespace gw::import
