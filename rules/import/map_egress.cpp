// Owner rules (-m owner in OUTPUT) -> egress. "ACCEPT for these users,
// then DROP/REJECT the same traffic" is the allow form (only they may
// connect); an owner match with DROP/REJECT is the deny form.
#include <algorithm>
#include <charconv>

#include "rules/import/map_filter_parts.hpp"

namespace gw::import {

namespace {

Rule without_owner(Rule r) {
    r.uid_owner.reset(), r.gid_owner.reset();
    return r;
}

std::string account(const std::string& written, const std::function<std::optional<std::string>(std::uint32_t)>& name) {
    std::uint32_t id = 0;
    auto [end, ec] = std::from_chars(written.data(), written.data() + written.size(), id);
    if (ec != std::errc{} || end != written.data() + written.size() || !name) return written;
    return name(id).value_or(written);
}

// The destination part of an egress rule, or why there is none.
std::optional<PlanEgress> egress_of(const Rule& r, SaveKind kind, std::string& why, Plan& plan) {
    Rule probe = without_owner(r);
    probe.proto.reset(), probe.dports.clear(), probe.destination.reset(), probe.syn = false;
    probe.states.erase(std::remove(probe.states.begin(), probe.states.end(), "NEW"), probe.states.end());
    if (!matches_everything(probe) || (r.destination && r.destination->negated) || (r.proto && r.proto->negated)) {
        why = "an owner rule with matches other than protocol, port and destination has no equivalent";
        return std::nullopt;
    }
    PlanEgress e;
    e.proto = r.proto ? r.proto->value : "both";
    if (e.proto != "tcp" && e.proto != "udp" && e.proto != "both") {
        why = "an owner rule for protocol " + e.proto + " has no equivalent (egress is tcp/udp)";
        return std::nullopt;
    }
    e.family = family_of(kind);
    for (const auto& p : r.dports) e.ports.push_back(ports_text(p));
    if (r.destination) e.destination.push_back(checked_prefix(r.destination->value, r, plan));
    e.origins.push_back(origin_of(r));
    return e;
}

void add_owner(const Rule& r, std::vector<std::string>& users, std::vector<std::string>& groups,
               const ImportOptions& options) {
    if (r.uid_owner) users.push_back(account(*r.uid_owner, options.user_name));
    if (r.gid_owner) groups.push_back(account(*r.gid_owner, options.group_name));
}

}  // namespace

std::size_t map_owner(const std::vector<FlatRule>& flats, std::size_t i, SaveKind kind, const ImportOptions& options,
                      Plan& plan) {
    const Rule& first = flats[i].rule;
    std::string why;
    auto e = egress_of(first, kind, why, plan);
    if (!e) return plan.report(ReportKind::left_out, *flats[i].origin, why), i;
    if (first.target == "DROP" || first.target == "REJECT") {
        add_owner(first, e->deny_users, e->deny_groups, options);
        e->action = first.target == "DROP" ? "drop" : "reject";
        plan.egress.push_back(*e);
        return i;
    }
    if (first.target != "ACCEPT")
        return plan.report(ReportKind::left_out, *flats[i].origin, "owner rule with -j " + first.target), i;
    Rule traffic = without_owner(first);
    std::size_t j = i;
    while (j < flats.size() && flats[j].rule.target == "ACCEPT" && (flats[j].rule.uid_owner || flats[j].rule.gid_owner) &&
           same_matches(without_owner(flats[j].rule), traffic))
        add_owner(flats[j].rule, e->users, e->groups, options), e->origins.push_back(origin_of(*flats[j].origin)), ++j;
    if (j < flats.size() && !flats[j].rule.uid_owner && !flats[j].rule.gid_owner &&
        (flats[j].rule.target == "DROP" || flats[j].rule.target == "REJECT") && same_matches(flats[j].rule, traffic)) {
        e->action = flats[j].rule.target == "DROP" ? "drop" : "reject";
        e->origins.push_back(origin_of(*flats[j].origin));
        plan.egress.push_back(*e);
        return j;
    }
    for (std::size_t k = i; k < j; ++k)
        plan.report(ReportKind::left_out, *flats[k].origin,
                    "an owner ACCEPT without a DROP/REJECT of the same traffic right after it has no equivalent");
    return j - 1;
}

void finish_egress(Plan& plan) {
    // The same rule for IPv4 and IPv6 -> one rule for both families.
    for (std::size_t i = 0; i < plan.egress.size(); ++i)
        for (std::size_t j = i + 1; j < plan.egress.size(); ++j) {
            auto a = plan.egress[i], b = plan.egress[j];
            if (a.family == b.family) continue;
            a.family = b.family = "", a.origins.clear(), b.origins.clear();
            if (a.proto != b.proto || a.ports != b.ports || a.destination != b.destination || a.users != b.users ||
                a.groups != b.groups || a.deny_users != b.deny_users || a.deny_groups != b.deny_groups ||
                a.action != b.action || !a.destination.empty())
                continue;
            plan.egress[i].family = "";
            plan.egress[i].origins.insert(plan.egress[i].origins.end(), plan.egress[j].origins.begin(),
                                          plan.egress[j].origins.end());
            plan.egress.erase(plan.egress.begin() + static_cast<long>(j));
            break;
        }
    std::map<std::string, int> seen;
    for (auto& e : plan.egress) {
        std::string base = "owner-" + (e.ports.empty() ? e.proto : e.ports[0].substr(0, e.ports[0].find('-')));
        e.name = numbered_name(base, seen);
    }
}

}  // namespace gw::import
