// A map-e uplink seen through the arithmetic: its rule as map_rule.hpp
// takes it, the link its end-user prefix lives on, and the CE it is now
// (from a fixed `end-user-prefix`, or from the addresses the daemon saw on
// that link). Pure: compilers, status and the daemon's facts ask here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "rules/config/model.hpp"
#include "rules/facts.hpp"
#include "rules/mape/map_rule.hpp"

namespace gw::mape {

inline constexpr std::uint32_t kDefaultMtu = 1460;  // what v6plus and its siblings use
// IPv4 (20) and TCP (20) headers inside the tunnel MTU: 1420 for the default.
inline constexpr std::uint32_t kMssOverhead = 40;

MapRule map_rule_of(const config::MapE& m);
std::uint32_t tunnel_mtu(const config::Uplink& u);
// The link whose IPv6 prefix holds the end-user prefix and that carries the
// CE address: the uplink's device, or the IPv6 split's bridge when the
// device is the split's outside port (the bridge holds the host's IPv6 then).
std::string ipv6_link(const config::Config& cfg, const config::Uplink& u);
// The CE this uplink is now; nullopt until an address of the rule prefix
// shows up on ipv6_link(). gatewayd's own CE address (an address that is
// its own CE address) never counts, so a stale one cannot pin an old prefix.
std::optional<CeFacts> live_ce(const config::Uplink& u, const rules::Facts& facts);
// Every map-e uplink's shared IPv4 address as its address in facts, so
// everything that follows an uplink's address (hairpin, per-address rules,
// the IPv4 default route, status) follows the CE.
void fill_ce_addresses(const config::Config& cfg, rules::Facts& facts);

}  // namespace gw::mape
