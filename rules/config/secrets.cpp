#include "rules/config/secrets.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace gw::config {

namespace {

// `mark` (lower case) anywhere in `text`, ignoring case; no copy of `text`:
// every mapping key of a config passes here.
bool contains_folded(std::string_view text, std::string_view mark) {
    auto same = [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; };
    return std::search(text.begin(), text.end(), mark.begin(), mark.end(), same) != text.end();
}

}  // namespace

bool is_secret_key(std::string_view key) {
    // Short stems, so that typos ("pasword", "passwd", "pwd") count too.
    static constexpr std::array<std::string_view, 8> kMarks{"pas", "pw", "secr", "psk", "token", "priv",
                                                           "credent", "auth"};
    auto head = key.substr(0, 256);
    return std::any_of(kMarks.begin(), kMarks.end(), [&](std::string_view mark) { return contains_folded(head, mark); });
}

}  // namespace gw::config
