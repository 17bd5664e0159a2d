// Named MAP-E services: what a profile fills in (the border relay and the
// interface-ID layout). The mapping rule always comes from the file: ISPs
// hand out several rules per service, and only the operator knows his.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace gw::mape {

struct Profile {
    std::string_view name;  // `profile:` in the config
    std::string_view br;    // the published border relay address
    bool legacy;            // the pre-RFC (draft-03) interface-ID layout
    std::string_view what;  // for docs and hints
};

std::span<const Profile> profiles();
const Profile* find_profile(std::string_view name);

}  // namespace gw::mape
