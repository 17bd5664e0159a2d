// Named MAP-E services: what a profile fills in (the border relay and the
// interface-ID layout). The mapping rule always comes from the file: ISPs
// hand out several rules per service, and only the operator knows his.
//
// The BR addresses are not published by the ISPs themselves (their CEs are
// provisioned); they are the ones the open MAP-E calculators and OpenWrt
// set-up scripts of these services agree on. An operator whose ISP says
// otherwise writes `br:`, which wins over the profile.
#pragma once

#include <span>
#include <string_view>

#include "rules/net/address.hpp"

namespace gw::mape {

// A second border relay for the rules inside one part of a service's space.
struct RegionalBr {
    std::string_view rule_space;  // rules whose IPv6 prefix lies inside this
    std::string_view br;
};

struct Profile {
    std::string_view name;  // `profile:` in the config
    std::string_view br;    // the border relay of the service's rules
    bool legacy;            // the pre-RFC (draft-03) interface-ID layout
    std::string_view what;  // for docs and hints
    RegionalBr region{};    // empty rule_space: one BR for every rule
};

std::span<const Profile> profiles();
const Profile* find_profile(std::string_view name);
// The border relay of profile `p` for a rule whose IPv6 prefix is `rule6`.
net::Address profile_br(const Profile& p, const net::Prefix& rule6);

}  // namespace gw::mape
