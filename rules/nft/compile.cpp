#include "rules/nft/compile.hpp"

#include <algorithm>

#include "rules/nft/compile_context.hpp"

namespace gw::rules {

namespace detail {

Context::Context(const config::Config& config, const Facts& facts)
    : config_(config), facts_(facts) {
    table_.family = nft::TableFamily::inet;
    table_.name = nft::kTableName;
}

nft::Chain& Context::chain(std::string_view name) {
    auto it = std::find_if(table_.chains.begin(), table_.chains.end(),
                           [&](const nft::Chain& c) { return c.name == name; });
    return *it;  // callers name only chains compile_ruleset() created
}

nft::Chain& Context::add_chain(nft::Chain chain) {
    table_.chains.push_back(std::move(chain));
    return table_.chains.back();
}

bool Context::has_set(std::string_view name) const {
    return groups_.find(name) != groups_.end();
}

nft::Set& Context::add_set(nft::Set set, SetGroup group) {
    groups_.emplace(set.name, group);
    table_.sets.push_back(std::move(set));
    return table_.sets.back();
}

void default_set_origin(nft::Set& set) {
    for (const auto& e : set.elements)
        if (!set.origin.known()) set.origin = e.origin;
}

nft::Table Context::finish() {
    nft::Table t = std::move(table_);  // a copy was 20,000 elements at 10,000 forwards
    // Objects no single config line made point at the first line that put
    // something into them, so a kernel rejection still lands somewhere useful.
    for (auto& c : t.chains)
        for (const auto& r : c.rules)
            if (!c.origin.known()) c.origin = r.origin;
    for (auto& s : t.sets) default_set_origin(s);
    std::stable_sort(t.sets.begin(), t.sets.end(), [&](const nft::Set& a, const nft::Set& b) {
        return groups_.find(a.name)->second < groups_.find(b.name)->second;
    });
    // A NAT or mangle chain without rules would only register a hook; the
    // filter chains always exist because their policy matters.
    std::erase_if(t.chains, [](const nft::Chain& c) {
        bool optional = c.name == kChainMangleForward ||
                        (c.base && c.base->type != nft::ChainType::filter);
        return optional && c.rules.empty();
    });
    return t;
}

namespace {

nft::Chain base_chain(std::string_view name, nft::ChainType type, nft::Hook hook, int priority) {
    nft::Chain c;
    c.name = name;
    c.base = nft::BaseChain{type, hook, priority, nft::ChainPolicy::accept};
    return c;
}

// Hook order within the table is fixed so the rendered text reads like the
// packet path: NAT in, mangle, filter, NAT out.
void add_chains(Context& ctx) {
    using nft::ChainType;
    using nft::Hook;
    ctx.add_chain(base_chain(kChainPrerouting, ChainType::nat, Hook::prerouting, -100));
    ctx.add_chain(base_chain(kChainMangleForward, ChainType::filter, Hook::forward, -150));
    ctx.add_chain(base_chain(kChainInput, ChainType::filter, Hook::input, 0));
    ctx.add_chain(base_chain(kChainForward, ChainType::filter, Hook::forward, 0));
    ctx.add_chain(base_chain(kChainOutput, ChainType::filter, Hook::output, 0));
    ctx.add_chain(base_chain(kChainPostrouting, ChainType::nat, Hook::postrouting, 100));
}

}  // namespace

}  // namespace detail

std::string zone_set_name(std::string_view zone) {
    return "zone_" + std::string(zone) + "_if";
}

nft::Ruleset compile_ruleset(const config::Config& config, const Facts& facts) {
    detail::Context ctx(config, facts);
    detail::add_chains(ctx);
    // Order matters where sections share a chain: the forward chain gets the
    // config's rules, then the port-forward accept, then the policy log.
    detail::compile_zones(ctx);
    detail::compile_sets(ctx);
    detail::compile_filter(ctx);
    detail::compile_routed6(ctx);
    detail::compile_fastpath(ctx);
    detail::compile_egress(ctx);
    detail::compile_mape(ctx);  // before forwards and masquerade: its rules decide first
    detail::compile_forwards(ctx);
    detail::compile_nat(ctx);
    detail::compile_routing(ctx);
    detail::compile_split_filter(ctx);
    detail::compile_same_link(ctx);
    detail::compile_log(ctx);
    nft::Ruleset ruleset;
    ruleset.tables.push_back(ctx.finish());
    detail::compile_bridge(ctx, ruleset);
    return ruleset;
}

}  // namespace gw::rules
