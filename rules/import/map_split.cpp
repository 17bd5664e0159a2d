// ip6tables FORWARD rules on the bridge split's port marks. The mark
// FORWARD accepts outright is the inside one; rules on the other mark
// (usually inlined from an "incoming" chain) are the inbound allows, and
// what the split does by itself (ICMPv6, logging and dropping the rest) is
// covered.
#include "rules/import/map_filter_parts.hpp"

namespace gw::import {

namespace {

bool has_mark(const Rule& r, std::uint32_t m) { return r.mark && r.mark->first == m; }

void take_bridge_name(const Rule& r, PlanSplit& split) {
    for (const auto* i : {r.in_if ? &*r.in_if : nullptr, r.out_if ? &*r.out_if : nullptr})
        if (i && !i->negated && i->value.rfind("br", 0) == 0) split.bridge = i->value;
}

}  // namespace

void detect_split_marks(const std::vector<SaveFile>& files, Plan& plan) {
    if (!plan.split) return;
    auto& s = *plan.split;
    for (const auto& f : files) {
        const Table* t = f.kind == SaveKind::ip6tables ? f.find_table("filter") : nullptr;
        if (!t) continue;
        for (const auto& r : t->rules) {
            take_bridge_name(r, s);
            Rule bare = r;
            bare.mark.reset(), bare.in_if.reset(), bare.out_if.reset();
            if (r.target == "ACCEPT" && has_mark(r, s.outside_mark) && matches_everything(bare)) {
                std::swap(s.inside_mark, s.outside_mark);
                std::swap(s.inside.front(), s.outside);
            }
        }
    }
}

bool split_rule(const std::string& chain, SaveKind kind, const FlatRule& f, Plan& plan) {
    if (!plan.split || kind != SaveKind::ip6tables || chain != "FORWARD" || !f.rule.mark) return false;
    auto& s = *plan.split;
    const Rule& r = f.rule;
    Rule bare = r;
    bare.mark.reset(), bare.in_if.reset(), bare.out_if.reset();
    if (has_mark(r, s.inside_mark) && r.target == "ACCEPT" && matches_everything(bare)) {
        plan.report(ReportKind::covered, *f.origin, "the bridge split accepts what comes from inside");
        return true;
    }
    if (!has_mark(r, s.outside_mark)) return false;
    bool icmp = r.proto && (r.proto->value == "ipv6-icmp" || r.proto->value == "icmpv6" || r.proto->value == "58");
    if (r.target == "LOG" || (r.target == "DROP" && matches_everything(bare)) ||
        (icmp && r.target == "ACCEPT" && !r.icmp_type && !r.destination && !r.source)) {
        plan.report(ReportKind::covered, *f.origin,
                    "the bridge split does this for the outside (ICMPv6 IPv6 needs, logged drop of the rest)");
        return true;
    }
    auto m = map_rule(bare, "FORWARD", kind, plan);
    if (!m.rule || r.target != "ACCEPT") {
        plan.report(ReportKind::left_out, *f.origin, m.rule ? "only allows come in through the bridge split" : m.why_not);
        return true;
    }
    m.rule->family.clear(), m.rule->from.clear(), m.rule->to.clear();
    s.inbound.push_back(*m.rule);
    return true;
}

}  // namespace gw::import
