#include "rules/config/secrets.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace gw::config {

bool is_secret_key(std::string_view key) {
    // Short stems, so that typos ("pasword", "passwd", "pwd") count too.
    static constexpr std::array<std::string_view, 8> kMarks{"pas", "pw", "secr", "psk", "token", "priv",
                                                           "credent", "auth"};
    // Lower case on the stack: every mapping key of a config passes here.
    std::array<char, 256> buf;
    auto head = key.substr(0, buf.size());
    std::transform(head.begin(), head.end(), buf.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view lower(buf.data(), head.size());
    return std::any_of(kMarks.begin(), kMarks.end(),
                       [&](std::string_view mark) { return lower.find(mark) != std::string_view::npos; });
}

}  // namespace gw::config
