// radvd's configuration from the config and the delegations gatewayd holds
// now: one interface block per LAN link with router advertisements on and a
// prefix to announce. A prefix the ISP took back (a new delegation replaced
// it) is still announced, with lifetime 0, so hosts deprecate their
// addresses in it at once instead of using them until they expire. Pure
// text; the daemon writes the file and runs radvd.
#pragma once

#include <string>

#include "rules/config/model.hpp"
#include "rules/facts.hpp"

namespace gw::ipv6 {

// Lifetimes announced for a current prefix: the delegation's, capped at
// RFC 4861's defaults, which also stand in while the lease names none.
inline constexpr std::uint32_t kMaxPreferred = 14400;
inline constexpr std::uint32_t kMaxValid = 86400;

// "" when no link has anything to announce (radvd then does not run).
std::string render_radvd_conf(const config::Config& cfg, const rules::Facts& facts);

}  // namespace gw::ipv6
