#include "rules/import/flatten.hpp"

#include <algorithm>

namespace gw::import {

namespace {

template <class T>
bool merge(std::optional<T>& into, const std::optional<T>& from) {
    if (!from) return true;
    if (into && !(*into == *from)) return false;
    into = from;
    return true;
}

template <class T>
bool merge_list(std::vector<T>& into, const std::vector<T>& from) {
    if (from.empty()) return true;
    if (!into.empty() && into != from) return false;
    into = from;
    return true;
}

// a's matches and b's together, or nullopt when they contradict.
std::optional<Rule> combine(const Rule& a, const Rule& b) {
    Rule r = b;
    bool ok = merge(r.proto, a.proto) && merge(r.source, a.source) && merge(r.destination, a.destination) &&
              merge(r.in_if, a.in_if) && merge(r.out_if, a.out_if) && merge_list(r.dports, a.dports) &&
              merge_list(r.sports, a.sports) && merge_list(r.states, a.states) && merge(r.icmp_type, a.icmp_type) &&
              merge(r.uid_owner, a.uid_owner) && merge(r.gid_owner, a.gid_owner) && merge(r.mark, a.mark) &&
              merge(r.connmark, a.connmark) && merge(r.limit, a.limit);
    if (!ok) return std::nullopt;
    r.syn = a.syn || b.syn;
    r.unsupported.insert(r.unsupported.begin(), a.unsupported.begin(), a.unsupported.end());
    if (a.limit) r.unsupported.push_back("a rate limit on a jump");
    return r;
}

bool is_builtin_target(const std::string& t) {
    return t == "ACCEPT" || t == "DROP" || t == "REJECT" || t == "LOG" || t == "RETURN" || t == "NFLOG" ||
           t == "ULOG" || t == "MARK" || t == "CONNMARK" || t == "TCPMSS" || t == "QUEUE" || t == "NFQUEUE";
}

void skip_rest(const std::vector<const Rule*>& rules, std::size_t from, Plan& plan, const std::string& why) {
    for (std::size_t i = from; i < rules.size(); ++i) plan.report(ReportKind::suspicious, *rules[i], why);
}

void walk(const Table& t, const std::string& chain, const Rule& prefix, std::vector<const Rule*> via,
          std::vector<FlatRule>& out, Plan& plan) {
    auto rules = t.rules_of(chain);
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const Rule& r = *rules[i];
        auto combined = combine(prefix, r);
        if (!combined) {
            plan.report(ReportKind::suspicious, r, "never matches: it contradicts the jump that leads here");
            continue;
        }
        if (r.target == "RETURN") {
            if (!matches_everything(r)) {
                plan.report(ReportKind::left_out, r, "a RETURN with matches has no equivalent");
                for (std::size_t j = i + 1; j < rules.size(); ++j)
                    plan.report(ReportKind::left_out, *rules[j], "follows a RETURN with matches");
            } else {
                skip_rest(rules, i + 1, plan, "never matches: an unconditional RETURN comes first");
            }
            return;
        }
        if (!is_builtin_target(r.target) && t.find_chain(r.target)) {
            if (r.goto_chain || via.size() > 8) {
                plan.report(ReportKind::left_out, r, r.goto_chain ? "-g (goto) has no equivalent" : "jumps nest too deep");
                continue;
            }
            auto next = via;
            next.push_back(&r);
            walk(t, r.target, *combined, next, out, plan);
            continue;
        }
        out.push_back(FlatRule{std::move(*combined), &r, via});
    }
}

bool prefix_covers(const std::optional<Neg<net::Prefix>>& o, const std::optional<Neg<net::Prefix>>& i) {
    if (!o) return true;
    return i && !o->negated && !i->negated && o->value.contains(i->value);
}

bool ports_cover(const std::vector<PortSpan>& o, const std::vector<PortSpan>& i) {
    if (o.empty()) return true;
    if (i.empty()) return false;
    return std::all_of(i.begin(), i.end(), [&](const PortSpan& p) {
        return std::any_of(o.begin(), o.end(), [&](const PortSpan& q) { return q.first <= p.first && p.last <= q.last; });
    });
}

template <class T>
bool field_covers(const std::optional<T>& o, const std::optional<T>& i) {
    return !o || (i && *o == *i);
}

}  // namespace

std::vector<FlatRule> flatten_chain(const Table& table, const std::string& chain, Plan& plan) {
    std::vector<FlatRule> out;
    walk(table, chain, Rule{}, {}, out, plan);
    return out;
}

bool matches_everything(const Rule& r) {
    bool only_new = r.states.empty() || (r.states.size() == 1 && r.states[0] == "NEW");
    return !r.proto && !r.source && !r.destination && !r.in_if && !r.out_if && r.dports.empty() &&
           r.sports.empty() && only_new && !r.icmp_type && !r.uid_owner && !r.gid_owner && !r.mark && !r.connmark &&
           !r.limit && !r.syn && r.unsupported.empty();
}

bool covers(const Rule& o, const Rule& i) {
    if (!o.unsupported.empty() || !i.unsupported.empty() || o.limit || i.limit) return false;
    if (!o.states.empty() && o.states != i.states && !(o.states.size() == 1 && o.states[0] == "NEW")) return false;
    if (o.syn && !i.syn) return false;
    return field_covers(o.proto, i.proto) && prefix_covers(o.source, i.source) &&
           prefix_covers(o.destination, i.destination) && field_covers(o.in_if, i.in_if) &&
           field_covers(o.out_if, i.out_if) && ports_cover(o.dports, i.dports) && ports_cover(o.sports, i.sports) &&
           field_covers(o.icmp_type, i.icmp_type) && field_covers(o.uid_owner, i.uid_owner) &&
           field_covers(o.gid_owner, i.gid_owner) && field_covers(o.mark, i.mark) && field_covers(o.connmark, i.connmark);
}

bool same_matches(const Rule& a, const Rule& b) { return covers(a, b) && covers(b, a); }

}  // namespace gw::import
