// Interfaces, uplinks and zones, inferred from the links rules name. A link
// is on the outside (an uplink) when it is a ppp link, or when traffic is
// masqueraded/SNATed out of it or DNATed in from it; every other link is
// inside. Each link gets a zone of its own, so "-i eth0" keeps meaning
// exactly eth0: "lan"/"wan" when a side has one link, "lan-eth0" otherwise.
#include <algorithm>
#include <set>

#include "rules/config/parse_values.hpp"
#include "rules/config/suggest.hpp"
#include "rules/import/plan.hpp"

namespace gw::import {

namespace {

bool is_wildcard(const std::string& ifname) { return !ifname.empty() && ifname.back() == '+'; }

// A gateway.yaml name for a kernel link: [a-z][a-z0-9_-]{0,14}.
std::string name_for(const std::string& device) {
    std::string out;
    for (char c : device) {
        char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out += (std::isalnum(static_cast<unsigned char>(l)) || l == '_' || l == '-') ? l : '-';
    }
    if (out.empty() || !std::isalpha(static_cast<unsigned char>(out[0]))) out = "if" + out;
    return out.substr(0, 15);
}

void collect(const Rule& r, std::set<std::string>& all, std::set<std::string>& outside, const std::string& table) {
    auto add = [&](const std::optional<Neg<std::string>>& i, bool wan) {
        if (!i || i->value == "lo") return;
        std::string name = is_wildcard(i->value) ? i->value.substr(0, i->value.size() - 1) + "0" : i->value;
        all.insert(name);
        if (wan || name.rfind("ppp", 0) == 0) outside.insert(name);
    };
    bool nat = table == "nat";
    add(r.in_if, nat && r.target == "DNAT");
    add(r.out_if, nat && (r.target == "MASQUERADE" || r.target == "SNAT"));
}

}  // namespace

std::vector<std::string> Plan::zones_of(const std::string& ifname) const {
    std::vector<std::string> out;
    bool wild = is_wildcard(ifname);
    std::string stem = wild ? ifname.substr(0, ifname.size() - 1) : ifname;
    for (const auto& l : links)
        if (wild ? l.device.rfind(stem, 0) == 0 : l.device == ifname) out.push_back(l.zone);
    return out;
}

PlanLink* Plan::find_link(const std::string& device) {
    for (auto& l : links)
        if (l.device == device) return &l;
    return nullptr;
}

void map_links(const std::vector<SaveFile>& files, const ImportOptions& options, Plan& plan) {
    std::set<std::string> all, outside;
    for (const auto& f : files) {
        if (f.kind == SaveKind::ebtables) continue;  // bridge ports belong to the split
        for (const auto& t : f.tables)
            for (const auto& r : t.rules)
                if (!(plan.split && r.mark)) collect(r, all, outside, t.name);  // the split's own rules
    }
    std::size_t n_out = outside.size(), n_in = all.size() - outside.size();
    for (const auto& dev : all) {
        bool up = outside.count(dev) != 0;
        PlanLink l{name_for(dev), dev, up, up && dev.rfind("ppp", 0) == 0, ""};
        std::string side = up ? "wan" : "lan";
        l.zone = (up ? n_out : n_in) == 1 ? side : (side + "-" + l.name).substr(0, 15);
        if (!up && options.link_addresses) l.addresses = options.link_addresses(dev);
        plan.links.push_back(l);
    }
}

std::string origin_of(const Rule& rule) { return rule.file + ":" + std::to_string(rule.line); }

std::string ports_text(const PortSpan& p) {
    return p.first == p.last ? std::to_string(p.first) : std::to_string(p.first) + "-" + std::to_string(p.last);
}

std::string family_of(SaveKind kind) { return kind == SaveKind::ip6tables ? "ipv6" : "ipv4"; }

std::string numbered_name(const std::string& base, std::map<std::string, int>& seen) {
    int n = seen[base]++;
    return (n ? base + "-" + std::to_string(n + 1) : base).substr(0, 15);
}

std::string checked_prefix(const net::Prefix& p, const Rule& rule, Plan& plan) {
    std::string written = config::prefix_text(p);
    if (auto typo = config::private_range_typo(p, written)) {
        plan.report(ReportKind::suspicious, rule,
                    written + " is not a private range: probably a typo for " + typo->meant.str() +
                        (typo->certain ? "; imported as " + typo->meant.str() : "; imported as written"));
        if (typo->certain) return typo->meant.str();
    }
    if (p.has_host_bits()) return p.network().str();
    return written;
}

}  // namespace gw::import
