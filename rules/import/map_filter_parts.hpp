// The parts of map_filter that are not plain firewall rules.
#pragma once

#include "rules/import/map_rule.hpp"

namespace gw::import {

// Owner rules in OUTPUT from flats[i] on -> egress; returns the index of
// the last rule consumed.
std::size_t map_owner(const std::vector<FlatRule>& flats, std::size_t i, SaveKind kind, const ImportOptions& options,
                      Plan& plan);
// Names egress rules and merges what the two families share.
void finish_egress(Plan& plan);

// Which of the broute marks is inside: the one FORWARD accepts outright.
void detect_split_marks(const std::vector<SaveFile>& files, Plan& plan);
// An ip6tables FORWARD rule on the split's marks -> the split (true), or
// not a split rule (false).
bool split_rule(const std::string& chain, SaveKind kind, const FlatRule& f, Plan& plan);

}  // namespace gw::import
