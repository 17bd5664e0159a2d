// What the last apply left in gatewayd's tables, kept for the reconciles an
// uplink address change causes: the config and facts it was compiled from,
// the sets that follow the uplinks' addresses as the kernel holds them, and
// the nftables generation right after that commit. While the generation has
// not moved, nobody (an operator's flush, another tool) has committed since,
// and a change of uplink addresses can only change those sets: such a
// reconcile need not dump the tables, compile the whole config nor encode
// the whole ruleset. A view that does not fit sends the run the full way.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/config/file.hpp"
#include "rules/facts.hpp"
#include "rules/nft/ruleset.hpp"

namespace gw::reconcile {

struct AppliedView {
    std::string config_text;       // the config it was compiled from
    rules::Facts facts;            // and the facts
    nft::Ruleset uplink_sets;      // table inet gatewayd with only the address sets its rules use
    std::uint32_t generation = 0;  // the nft generation the kernel held exactly that at
};

// The view of `desired` (kernel form), compiled from `cfg` and `facts`.
AppliedView make_applied_view(const config::LoadedConfig& cfg, const rules::Facts& facts,
                              const nft::Ruleset& desired, std::uint32_t generation);

// The same config, and facts that differ at most in uplink addresses.
bool view_fits(const AppliedView& view, const config::LoadedConfig& cfg, const rules::Facts& facts);

// The view's sets as `facts` fill them now (compiled, not yet in kernel form).
nft::Ruleset wanted_uplink_sets(const AppliedView& view, const config::Config& cfg, const rules::Facts& facts);

}  // namespace gw::reconcile
