// One flattened iptables filter rule -> one gateway.yaml firewall rule.
#pragma once

#include "rules/import/flatten.hpp"

namespace gw::import {

struct RuleMapping {
    std::optional<PlanRule> rule;
    std::string why_not;  // when there is no rule
};

RuleMapping map_rule(const Rule& rule, const std::string& chain, SaveKind kind, Plan& plan);

// What gatewayd's chains do before any rule of the file: accept
// established/related and loopback, drop invalid.
bool is_builtin_allow(const Rule& rule);

}  // namespace gw::import
