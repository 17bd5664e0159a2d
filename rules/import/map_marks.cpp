// Marks: the mangle table's CONNMARK pattern of a router with several
// uplinks (mark new connections by the uplink they came in on, restore the
// mark on replies) is what `routing.reply-via-ingress` does; a MARK of some
// sources with an uplink's mark becomes a `routing.pin`. The ebtables broute
// table that bridges IPv6 and marks it by port, with the ip6tables FORWARD
// rules on those marks, is `ipv6.bridge-split`.
#include <algorithm>

#include "rules/import/plan.hpp"

namespace gw::import {

namespace {

std::optional<std::uint32_t> mark_value(const Rule& r) {
    std::string v = r.has_option("--set-xmark") ? r.option("--set-xmark") : r.option("--set-mark");
    if (v.empty()) v = r.option("--mark-set");
    if (v.empty()) return std::nullopt;
    try {
        return static_cast<std::uint32_t>(std::stoul(v.substr(0, v.find('/')), nullptr, 0));
    } catch (...) {
        return std::nullopt;
    }
}

bool sets_mark(const Rule& r) {
    return (r.target == "MARK" || r.target == "CONNMARK") &&
           (r.has_option("--set-mark") || r.has_option("--set-xmark"));
}

// Pass 1: which mark stands for which uplink (marks set by input link).
std::map<std::uint32_t, std::string> uplink_marks(const Table& t, const Plan& plan) {
    std::map<std::uint32_t, std::string> out;
    for (const auto& r : t.rules) {
        if (!sets_mark(r) || !r.in_if || r.in_if->negated) continue;
        for (const auto& l : plan.links)
            if (l.uplink && l.device == r.in_if->value)
                if (auto m = mark_value(r)) out[*m] = l.name;
    }
    return out;
}

void map_mangle_rule(const Rule& r, const std::map<std::uint32_t, std::string>& marks, Plan& plan) {
    if (r.target == "TCPMSS") {
        plan.mss_clamp = true;
        return plan.report(ReportKind::covered, r, "MSS clamping is nat.mss-clamp");
    }
    if (r.target == "CONNMARK" && (r.has_option("--restore-mark") || r.has_option("--save-mark"))) {
        plan.reply_via_ingress = true;
        return plan.report(ReportKind::covered, r, "connection marks per uplink are routing.reply-via-ingress");
    }
    auto m = sets_mark(r) ? mark_value(r) : std::nullopt;
    if (m && marks.count(*m) && r.in_if) {
        plan.reply_via_ingress = true;
        return plan.report(ReportKind::covered, r, "marking by ingress uplink is routing.reply-via-ingress");
    }
    if (m && marks.count(*m) && r.source && !r.source->negated && r.unsupported.empty() && !r.proto) {
        plan.pins.push_back({checked_prefix(r.source->value, r, plan), marks.at(*m), {origin_of(r)}});
        return;
    }
    plan.report(ReportKind::left_out, r, "mangle rule (-j " + r.target + ") has no equivalent");
}

}  // namespace

void map_mangle(const std::vector<SaveFile>& files, Plan& plan) {
    for (const auto& f : files) {
        const Table* t = f.kind == SaveKind::ebtables ? nullptr : f.find_table("mangle");
        if (!t) continue;
        auto marks = uplink_marks(*t, plan);
        for (const auto& r : t->rules) map_mangle_rule(r, marks, plan);
    }
    for (const auto& f : files) {
        const Table* raw = f.kind == SaveKind::ebtables ? nullptr : f.find_table("raw");
        if (raw)
            for (const auto& r : raw->rules) plan.report(ReportKind::left_out, r, "raw table rules have no equivalent");
    }
}

void map_bridge_split(const std::vector<SaveFile>& files, Plan& plan) {
    for (const auto& f : files) {
        const Table* t = f.kind == SaveKind::ebtables ? f.find_table("broute") : nullptr;
        if (!t) {
            if (f.kind == SaveKind::ebtables)
                for (const auto& tab : f.tables)
                    for (const auto& r : tab.rules)
                        plan.report(ReportKind::left_out, r, "ebtables " + tab.name + " rules have no equivalent");
            continue;
        }
        PlanSplit split;
        std::vector<std::pair<std::uint32_t, std::string>> ports;
        for (const auto& r : t->rules) {
            auto m = mark_value(r);
            bool ipv6 = r.proto && !r.proto->negated && (r.proto->value == "IPv6" || r.proto->value == "0x86dd" ||
                                                         r.proto->value == "ipv6");
            if (r.target == "DROP" && !r.in_if && !r.proto) {
                plan.report(ReportKind::covered, r, "everything but IPv6 is routed by the bridge split");
            } else if (r.target == "mark" && m && ipv6 && r.in_if && r.option("--mark-target") == "ACCEPT") {
                ports.push_back({*m, r.in_if->value});
                split.origins.push_back(origin_of(r));
            } else {
                plan.report(ReportKind::left_out, r, "broute rule other than 'bridge IPv6 marked by port' has no equivalent");
            }
        }
        if (ports.size() < 2) continue;
        std::sort(ports.begin(), ports.end());
        // The outside port carries the higher mark unless ip6tables says
        // otherwise (map_filter swaps it when FORWARD accepts that mark).
        split.outside = ports.back().second, split.outside_mark = ports.back().first;
        split.inside_mark = ports.front().first;
        for (std::size_t i = 0; i + 1 < ports.size(); ++i) split.inside.push_back(ports[i].second);
        split.bridge = "br0";
        plan.split = split;
    }
}

}  // namespace gw::import
