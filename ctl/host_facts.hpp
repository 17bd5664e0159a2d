// HostFacts from this machine's user and group databases (NSS), for the
// egress checks of `gwctl check`. Read-only lookups; no root needed.
#pragma once

#include "rules/config/parse.hpp"

namespace gw::ctl {

class SystemHostFacts final : public config::HostFacts {
public:
    bool user_exists(std::string_view name) const override;
    bool group_exists(std::string_view name) const override;
};

}  // namespace gw::ctl
