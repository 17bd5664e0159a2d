#include "rules/plan/plan.hpp"

namespace gw::plan {
namespace {

// The updates an element-only change needs: each changed set as wanted.
std::vector<ElementUpdate> element_updates(const nft::Ruleset& desired,
                                           const std::vector<nft::SetRef>& changed) {
    std::vector<ElementUpdate> out;
    for (const auto& ref : changed)
        for (const auto& t : desired.tables)
            if (t.family == ref.family && t.name == ref.table)
                for (const auto& s : t.sets)
                    if (s.name == ref.set) out.push_back({ref.family, ref.table, s});
    return out;
}

}  // namespace

NftPlan plan_nft(nft::Ruleset desired, nft::Ruleset observed, std::shared_ptr<const Encoded> encoded) {
    auto diff = nft::diff_rulesets(desired, std::move(observed));
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
