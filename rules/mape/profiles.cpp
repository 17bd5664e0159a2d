#include "rules/mape/profiles.hpp"

#include <algorithm>

namespace gw::mape {
namespace {

// The Japanese MAP-E services all predate RFC 7597 and use the draft-03
// layout. BIGLOBE has one BR for its east Japan rules (2404:7a80::/30) and
// another for the west (2404:7a84::/30).
constexpr Profile kProfiles[] = {
    {"v6plus", "2404:9200:225:100::64", true, "JPNE v6plus"},
    {"ocn-vc", "2001:380:a120::9", true, "OCN Virtual Connect"},
    {"ipv6-option", "2001:260:700:1::1:275", true, "BIGLOBE IPv6 Option",
     {"2404:7a84::/30", "2001:260:700:1::1:276"}},
};

}  // namespace

std::span<const Profile> profiles() { return kProfiles; }

const Profile* find_profile(std::string_view name) {
    auto it = std::find_if(std::begin(kProfiles), std::end(kProfiles), [&](const Profile& p) { return p.name == name; });
    return it == std::end(kProfiles) ? nullptr : it;
}

net::Address profile_br(const Profile& p, const net::Prefix& rule6) {
    if (!p.region.rule_space.empty() && net::Prefix::parse(p.region.rule_space)->contains(rule6))
        return *net::Address::parse(p.region.br);
    return *net::Address::parse(p.br);
}

}  // namespace gw::mape
