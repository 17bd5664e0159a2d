// The filter table: INPUT, FORWARD and OUTPUT of each family, with user
// chains inlined, become firewall.input/forward/output. Per rule, in
// order: gatewayd's own prelude (established, loopback, invalid) covers it;
// an earlier rule decides every packet it matches (shadowed, duplicate:
// reported, not copied); a LOG before a verdict on the same packets
// becomes `log: true`, a LOG before the policy the chain's `log`; a
// catch-all verdict sets the policy. Owner rules in OUTPUT go to egress
// (map_egress.cpp), mark rules of the bridge split to its inbound list.
#include <algorithm>
#include <utility>

#include "rules/import/map_filter_parts.hpp"

namespace gw::import {

namespace {

struct ChainState {
    const ImportOptions& options;
    std::string chain;
    SaveKind kind;
    std::string policy;  // accept, drop
    std::optional<PlanLog> log;
    std::vector<PlanRule> rules;
    std::vector<Rule> kept;          // the matches of `rules`, for shadow checks
    std::vector<std::string> verdicts;
    bool closed = false;             // a catch-all decided everything
    std::string closed_at;
};

std::optional<PlanLog> log_spec(const Rule& r) {
    PlanLog log;
    log.prefix = r.option("--log-prefix");
    if (r.limit) {
        auto slash = r.limit->find('/');
        try {
            log.rate = static_cast<std::uint32_t>(std::stoul(r.limit->substr(0, slash)));
        } catch (...) {
            return std::nullopt;
        }
        std::string unit = slash == std::string::npos ? "hour" : r.limit->substr(slash + 1);
        log.per = unit.rfind("s", 0) == 0 ? "second" : unit.rfind("m", 0) == 0 ? "minute"
                : unit.rfind("h", 0) == 0 ? "hour" : "day";
        log.burst = r.limit_burst.value_or(5);
    }
    return log;
}

// An earlier kept rule that decides every packet `r` matches.
bool shadowed(ChainState& st, const FlatRule& f, Plan& plan) {
    if (st.closed) {
        plan.report(ReportKind::suspicious, *f.origin, "never matches: " + st.closed_at + " decides every packet first");
        return true;
    }
    for (std::size_t i = 0; i < st.kept.size(); ++i) {
        if (!covers(st.kept[i], f.rule)) continue;
        const std::string& at = st.rules[i].origins.front();
        if (st.verdicts[i] == f.rule.target && same_matches(st.kept[i], f.rule))
            plan.report(ReportKind::suspicious, *f.origin, "duplicate of " + at);
        else
            plan.report(ReportKind::suspicious, *f.origin, "never matches: " + at + " decides every packet it matches first");
        return true;
    }
    return false;
}

// A rule that matches everything: the policy, or the OUTPUT catch-all bug.
void catch_all(ChainState& st, const FlatRule& f, Plan& plan) {
    std::string action = f.rule.target == "ACCEPT" ? "accept" : "drop";
    st.closed = true, st.closed_at = origin_of(*f.origin);
    if (f.rule.target == "REJECT") {
        auto m = map_rule(f.rule, st.chain, st.kind, plan);
        if (m.rule) st.rules.push_back(*m.rule), st.kept.push_back(f.rule), st.verdicts.push_back("REJECT");
        return;
    }
    if (action == st.policy) return plan.report(ReportKind::covered, *f.origin, "the chain's policy does the same");
    if (st.chain == "OUTPUT" && action == "drop")
        return plan.report(ReportKind::suspicious, *f.origin,
                           "drops everything the router itself sends that no earlier rule accepted, under an "
                           "ACCEPT policy (a catch-all appended to OUTPUT?); not copied: set "
                           "firewall.output.policy to drop if that is really meant");
    st.policy = action;
    plan.report(ReportKind::covered, *f.origin, "a catch-all " + f.rule.target + ": imported as the policy");
}

// LOG: merged into the next rule when it matches the same packets (true:
// log the next rule), the chain's log when the policy follows; otherwise
// it logs only.
bool handle_log(ChainState& st, const std::vector<FlatRule>& flats, std::size_t i, Plan& plan) {
    const FlatRule& f = flats[i];
    Rule bare = f.rule;
    bare.limit.reset(), bare.limit_burst.reset();
    bool next_same = i + 1 < flats.size() && same_matches(flats[i + 1].rule, bare) && flats[i + 1].rule.target != "LOG";
    if (next_same) {
        plan.report(ReportKind::covered, *f.origin, "logged by `log: true` on the next rule (prefix and rate not kept)");
        return true;
    }
    bool tail = true;
    for (std::size_t j = i + 1; j < flats.size(); ++j)
        if (!(matches_everything(flats[j].rule) && flats[j].rule.target == "DROP")) tail = false;
    if (matches_everything(bare) && tail && st.policy == "drop" && !st.closed) {
        st.log = log_spec(f.rule);
        if (st.log) return plan.report(ReportKind::covered, *f.origin, "the chain's `log` (what the policy drops)"), false;
    }
    plan.report(ReportKind::left_out, *f.origin, "logging without a verdict: gatewayd logs what a rule or policy drops");
    return false;
}

void keep(ChainState& st, const FlatRule& f, bool log, Plan& plan) {
    auto m = map_rule(f.rule, st.chain, st.kind, plan);
    if (!m.rule) return plan.report(ReportKind::left_out, *f.origin, m.why_not);
    m.rule->log = log;
    if (m.rule->proto == "icmp" || m.rule->proto == "icmpv6") m.rule->family.clear();
    st.rules.push_back(*m.rule), st.kept.push_back(f.rule), st.verdicts.push_back(f.rule.target);
}

void map_flat(ChainState& st, const std::vector<FlatRule>& flats, Plan& plan) {
    bool log_next = false;
    for (std::size_t i = 0; i < flats.size(); ++i) {
        const FlatRule& f = flats[i];
        if (is_builtin_allow(f.rule)) {
            plan.report(ReportKind::covered, *f.origin, "gatewayd's chains do this before any rule");
            continue;
        }
        if (split_rule(st.chain, st.kind, f, plan)) continue;
        if (st.chain == "OUTPUT" && (f.rule.uid_owner || f.rule.gid_owner)) {
            i = map_owner(flats, i, st.kind, st.options, plan);
            continue;
        }
        if (f.rule.target == "LOG") {
            log_next = handle_log(st, flats, i, plan);
            continue;
        }
        bool log = std::exchange(log_next, false);
        if (shadowed(st, f, plan)) continue;
        if (matches_everything(f.rule) && f.rule.target != "LOG") catch_all(st, f, plan);
        else keep(st, f, log, plan);
    }
}

PlanChain& plan_chain(Plan& plan, const std::string& chain) {
    return chain == "INPUT" ? plan.input : chain == "FORWARD" ? plan.forward : plan.output;
}

// Two families, one gatewayd chain: the stricter policy, and the other
// family's ACCEPT kept by a final allow for that family.
void merge_chain(const std::vector<ChainState>& states, PlanChain& out) {
    bool any_drop = std::any_of(states.begin(), states.end(), [](const ChainState& s) { return s.policy == "drop"; });
    out.policy = states.empty() ? out.policy : any_drop ? "drop" : "accept";
    for (const auto& s : states) {
        out.rules.insert(out.rules.end(), s.rules.begin(), s.rules.end());
        if (s.log && !out.log) out.log = s.log;
    }
    for (const auto& s : states)
        if (any_drop && s.policy == "accept" && !s.closed) {
            PlanRule all;
            all.action = "allow", all.family = family_of(s.kind);
            all.name = (s.kind == SaveKind::ip6tables ? "policy6-" : "policy4-") + std::string("accept");
            out.rules.push_back(all);
        }
}

}  // namespace

void map_filter(const std::vector<SaveFile>& files, const ImportOptions& options, Plan& plan) {
    detect_split_marks(files, plan);
    for (std::string chain : {"INPUT", "FORWARD", "OUTPUT"}) {
        std::vector<ChainState> states;
        for (const auto& f : files) {
            const Table* t = f.kind == SaveKind::ebtables ? nullptr : f.find_table("filter");
            if (!t) continue;
            const Chain* c = t->find_chain(chain);
            ChainState st{options, chain, f.kind, c && c->policy == "DROP" ? "drop" : "accept", {}, {}, {}, {}, false, {}};
            map_flat(st, flatten_chain(*t, chain, plan), plan);
            states.push_back(std::move(st));
        }
        merge_chain(states, plan_chain(plan, chain));
    }
    finish_egress(plan);
}

}  // namespace gw::import
