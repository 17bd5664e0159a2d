#include "rules/config/secrets.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace gw::config {

bool is_secret_key(std::string_view key) {
    // Short stems, so that typos ("pasword", "passwd", "pwd") count too.
    static constexpr std::array<std::string_view, 8> kMarks{"pas", "pw", "secr", "psk", "token", "priv",
                                                           "credent", "auth"};
    std::string lower(key.substr(0, 256));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::any_of(kMarks.begin(), kMarks.end(),
                       [&](std::string_view mark) { return lower.find(mark) != std::string::npos; });
}

}  // namespace gw::config
