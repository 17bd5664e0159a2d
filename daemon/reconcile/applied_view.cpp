#include "daemon/reconcile/applied_view.hpp"

#include <algorithm>

#include "rules/nft/compile.hpp"

namespace gw::reconcile {
namespace {

// The table holding `sets` alone: what the view keeps and compares.
nft::Ruleset sets_table(std::vector<nft::Set> sets) {
    nft::Ruleset out;
    out.tables.push_back(nft::Table{nft::TableFamily::inet, nft::kTableName, std::move(sets), {}});
    return out;
}

bool holds_set(const nft::Table& table, const std::string& name) {
    return std::any_of(table.sets.begin(), table.sets.end(), [&](const nft::Set& s) { return s.name == name; });
}

rules::Facts without_addresses(rules::Facts facts) {
    facts.uplink_addresses.clear();
    return facts;
}

}  // namespace

// `desired` holds the compiled elements of a set the kernel held byte for
// byte as encoded (Kernel::prepare_against); every golden case checks that
// compiled elements are their own kernel form. Were one not, the next
// event's run would send that set again once, never miss a change.
AppliedView make_applied_view(const config::LoadedConfig& cfg, const rules::Facts& facts,
                              const nft::Ruleset& desired, std::uint32_t generation) {
    std::vector<nft::Set> kept;
    for (const auto& t : desired.tables) {
        if (t.family != nft::TableFamily::inet) continue;
        for (const auto& s : rules::compile_uplink_address_sets(cfg.config, facts))
            for (const auto& held : t.sets)
                if (held.name == s.name) kept.push_back(held);
    }
    return {cfg.source.text, facts, sets_table(std::move(kept)), generation};
}

bool view_fits(const AppliedView& view, const config::LoadedConfig& cfg, const rules::Facts& facts) {
    // Every fact but the addresses can change any rule; comparing the whole
    // value keeps a fact added later from being missed here.
    return view.config_text == cfg.source.text && without_addresses(view.facts) == without_addresses(facts);
}

nft::Ruleset wanted_uplink_sets(const AppliedView& view, const config::Config& cfg, const rules::Facts& facts) {
    std::vector<nft::Set> wanted;
    for (auto& s : rules::compile_uplink_address_sets(cfg, facts))
        if (holds_set(view.uplink_sets.tables.at(0), s.name)) wanted.push_back(std::move(s));
    return sets_table(std::move(wanted));
}

}  // namespace gw::reconcile
