// "Did you mean" help: the closest valid word to a misspelt one, and the
// private range a mistyped prefix was probably meant to be.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "rules/net/address.hpp"

namespace gw::config {

// Optimal-string-alignment distance (Levenshtein plus adjacent swaps), so
// "pasword" and "devcie" are both one edit away from the real key.
int edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a typo.
std::optional<std::string> closest(std::string_view word, std::span<const std::string_view> candidates);
std::optional<std::string> closest(std::string_view word, std::span<const std::string> candidates);

// "did you mean 'x'?" or, with no close candidate, an empty string.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

struct RangeTypo {
    net::Prefix meant;   // e.g. 172.16.0.0/12 for a written 176.16.0.0/12
    bool certain = false;  // same length as the private range itself -> error
};

// A prefix that lies outside every private/special range but whose text is a
// small edit away from a private range (or a subnet of one) of the same
// shape. `written` is the prefix text as the operator typed it.
std::optional<RangeTypo> private_range_typo(const net::Prefix& p, std::string_view written);

}  // namespace gw::config
