// The import pipeline: links and zones first (every later step names
// them), then NAT, marks, the bridge split and the filter; then a last
// look for forwards to hosts outside every zone, and the text.
#include "rules/import/import.hpp"

#include <algorithm>
#include <tuple>

#include "rules/import/plan.hpp"

namespace gw::import {

namespace {

// Inside networks are what the ruleset says lives behind the LAN: the
// sources it masquerades, and -s on rules that come in on a LAN link.
void infer_networks(Plan& plan) {
    std::vector<std::string> lan_zones;
    for (const auto& l : plan.links)
        if (!l.uplink) lan_zones.push_back(l.zone);
    if (lan_zones.size() == 1)
        for (const auto& m : plan.masquerade)
            for (const auto& f : m.from)
                if (f != "0.0.0.0/0") plan.zone_networks[lan_zones[0]].push_back(f);
    for (auto& [zone, nets] : plan.zone_networks) {
        std::sort(nets.begin(), nets.end());
        nets.erase(std::unique(nets.begin(), nets.end()), nets.end());
    }
}

void check_forward_targets(const std::vector<SaveFile>& files, Plan& plan) {
    std::vector<net::Prefix> inside;
    for (const auto& [zone, nets] : plan.zone_networks)
        for (const auto& n : nets)
            if (auto p = net::Prefix::parse(n)) inside.push_back(*p);
    if (inside.empty()) return;
    for (const auto& f : files) {
        const Table* t = f.kind == SaveKind::iptables ? f.find_table("nat") : nullptr;
        if (!t) continue;
        for (const auto& r : t->rules) {
            if (r.target != "DNAT") continue;
            std::string to = r.option("--to-destination");
            auto a = net::Address::parse(to.substr(0, to.find(':')));
            if (!a) continue;
            bool in = std::any_of(inside.begin(), inside.end(), [&](const net::Prefix& p) { return p.contains(*a); });
            if (!in)
                plan.report(ReportKind::suspicious, r,
                            "forwards to " + a->str() + ", which is in no inside network (a typo, or a host that moved?)");
        }
    }
}

// A family without its save file was not filtered by this ruleset at all;
// gatewayd's chains are for both families, so the imported policies now
// apply to it too. Said at the first line of a file of the other family.
void check_families(const std::vector<SaveFile>& files, Plan& plan) {
    auto has = [&](SaveKind k) {
        return std::any_of(files.begin(), files.end(), [&](const SaveFile& f) { return f.kind == k; });
    };
    for (auto [missing, other, name] : {std::tuple{SaveKind::ip6tables, SaveKind::iptables, "ip6tables-save"},
                                        std::tuple{SaveKind::iptables, SaveKind::ip6tables, "iptables-save"}}) {
        if (has(missing) || !has(other)) continue;
        const auto& f = *std::find_if(files.begin(), files.end(), [&](const SaveFile& s) { return s.kind == other; });
        plan.reports.push_back({ReportKind::suspicious, f.path, 1, "(the whole file)",
                                std::string("no ") + name + " given: this ruleset left " +
                                    (missing == SaveKind::ip6tables ? "IPv6" : "IPv4") +
                                    " unfiltered; the imported chains apply the same policies to it"});
    }
}

const char* report_label(ReportKind kind) {
    switch (kind) {
        case ReportKind::left_out: return "left out: ";
        case ReportKind::suspicious: return "suspicious: ";
        case ReportKind::narrowed: return "narrowed: ";
        case ReportKind::covered: break;
    }
    return "";
}

}  // namespace

ImportResult import_rulesets(const std::vector<SaveFile>& files, const ImportOptions& options) {
    Plan plan;
    map_bridge_split(files, plan);
    map_links(files, options, plan);
    map_nat(files, plan);
    map_mangle(files, plan);
    map_filter(files, options, plan);
    infer_networks(plan);
    check_forward_targets(files, plan);
    check_families(files, plan);
    std::stable_sort(plan.reports.begin(), plan.reports.end(), [](const Report& a, const Report& b) {
        return a.file != b.file ? a.file < b.file : a.line < b.line;
    });
    return {emit_yaml(plan, files), plan.reports};
}

bool ImportResult::left_out() const {
    return std::any_of(reports.begin(), reports.end(), [](const Report& r) {
        return r.kind == ReportKind::left_out || r.kind == ReportKind::suspicious;
    });
}


std::string render_reports(const std::vector<Report>& reports) {
    std::string out;
    for (const auto& r : reports) {
        if (r.kind == ReportKind::covered) continue;
        out += r.where() + ": " + report_label(r.kind) + r.message +
               "\n    " + r.text + "\n";
    }
    return out;
}

}  // namespace gw::import
