// iptables-save / ip6tables-save / ebtables-save text -> SaveFile. Pure.
// Any line the parser does not understand is an error at that line, with
// words for the common mistakes (an nftables ruleset or a shell script fed
// by mistake, a file cut short before COMMIT); a match or target that is
// valid iptables but has no meaning in gateway.yaml is not an error here:
// it is recorded on the rule for the mapping to report.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "rules/import/save_model.hpp"

namespace gw::import {

std::expected<SaveFile, ParseError> parse_save(std::string_view text, std::string path);

// One line split the way iptables-save quotes it ("a b" and \" inside).
std::vector<std::string> split_save_line(std::string_view line);

// Decodes the options after "-A CHAIN" into `rule`; an error names the option.
std::expected<void, std::string> parse_rule_options(const std::vector<std::string>& words, SaveKind kind,
                                                    Rule& rule);

}  // namespace gw::import
