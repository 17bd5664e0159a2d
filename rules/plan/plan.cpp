#include "rules/plan/plan.hpp"

namespace gw::plan {
namespace {

// The set `ref` names in `rs` (a const or a mutable ruleset); null if none.
template <class Rules>
auto* find_set(Rules& rs, const nft::SetRef& ref) {
    for (auto& t : rs.tables)
        if (t.family == ref.family && t.name == ref.table)
            for (auto& s : t.sets)
                if (s.name == ref.set) return &s;
    return static_cast<decltype(&rs.tables.front().sets.front())>(nullptr);
}

// The updates an element-only change needs: each changed set as wanted.
std::vector<ElementUpdate> element_updates(const nft::Ruleset& desired,
                                           const std::vector<nft::SetRef>& changed) {
    std::vector<ElementUpdate> out;
    for (const auto& ref : changed)
        if (const auto* s = find_set(desired, ref)) out.push_back({ref.family, ref.table, *s});
    return out;
}

// Each listed set's elements, taken out of `rs` (in the list's order).
std::vector<std::vector<nft::Element>> take_elements(nft::Ruleset& rs, const std::vector<nft::SetRef>& sets) {
    std::vector<std::vector<nft::Element>> out;
    for (const auto& ref : sets) {
        auto* s = find_set(rs, ref);
        out.push_back(s ? std::move(s->elements) : std::vector<nft::Element>{});
        if (s) s->elements.clear();
    }
    return out;
}

// Sets known to hold the same elements on both sides come in `observed`
// without them: the diff runs with desired's taken out too, so 20,000
// elements are neither compared nor copied. Only when something else
// differs is it run again with them on both sides, for the text.
nft::RulesetDiff diff_known_same(nft::Ruleset& desired, nft::Ruleset observed,
                                 const std::vector<nft::SetRef>& same) {
    if (same.empty()) return nft::diff_rulesets(desired, std::move(observed));
    auto held = take_elements(desired, same);
    auto diff = nft::diff_rulesets(desired, observed);  // a cheap copy: its large sets are empty
    for (std::size_t i = 0; i < same.size(); ++i)
        if (auto* s = find_set(desired, same[i])) s->elements = std::move(held[i]);
    if (diff.kind == nft::ChangeKind::none) return diff;
    for (const auto& ref : same)
        if (auto* mine = find_set(desired, ref), *theirs = find_set(observed, ref); mine && theirs)
            theirs->elements = mine->elements;
    return nft::diff_rulesets(desired, std::move(observed));
}

}  // namespace

NftPlan plan_nft(nft::Ruleset desired, nft::Ruleset observed, std::shared_ptr<const Encoded> encoded,
                 const std::vector<nft::SetRef>& same_elements) {
    auto diff = diff_known_same(desired, std::move(observed), same_elements);
    NftPlan p;
    p.kind = diff.kind;
    p.text = std::move(diff.text);
    if (p.kind == nft::ChangeKind::elements) p.elements = element_updates(desired, diff.changed_sets);
    p.desired = std::move(desired);
    p.encoded = std::move(encoded);
    return p;
}

std::optional<NftPlan> plan_set_elements(const nft::Ruleset& wanted, const nft::Ruleset& applied) {
    auto diff = nft::diff_rulesets(wanted, applied);
    if (diff.kind == nft::ChangeKind::structure) return std::nullopt;
    NftPlan p;
    p.kind = diff.kind;
    p.text = std::move(diff.text);
    p.elements = element_updates(wanted, diff.changed_sets);
    return p;
}

NetPlan plan_net(const netstate::NetState& desired, const netstate::NetState& observed) {
    auto diff = netstate::diff_netstate(desired, observed);
    return {std::move(diff.ops), std::move(diff.text)};
}

std::string render_changes(const std::string& nft_text, const std::string& net_text) {
    std::string out = nft_text;
    if (!net_text.empty()) {
        if (!out.empty() && out.back() != '\n') out += '\n';
        out += "netlink:\n" + net_text;
    }
    return out;
}

}  // namespace gw::plan
