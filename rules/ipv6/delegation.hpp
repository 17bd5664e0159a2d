// Routed IPv6, the arithmetic: which /64 a LAN interface takes out of its
// uplink's delegated prefix (facts), and the router's own address on it.
// Pure; the netlink compiler, radvd's configuration and status share it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rules/config/model.hpp"
#include "rules/facts.hpp"

namespace gw::ipv6 {

// The /64 `subnet_id` picks out of `delegated`; nullopt when the delegation
// is longer than /64 or too short to hold that subnet-id (the ISP handed
// out less than size-hint asked for).
std::optional<net::Prefix> lan_prefix(const net::Prefix& delegated, std::uint32_t subnet_id);

// <prefix>::1/64: the address gatewayd keeps on the LAN link.
net::Prefix router_address(const net::Prefix& lan64);

struct LanPrefix {
    const config::Interface* interface = nullptr;
    const config::Uplink* uplink = nullptr;  // the one it delegates from
    std::optional<net::Prefix> prefix;       // none while the uplink holds no (fitting) delegation
    std::vector<net::Prefix> retired;        // the same subnet-id of the earlier prefixes
};

// Every enabled interface with an `ipv6:` section, in config order.
std::vector<LanPrefix> lan_prefixes(const config::Config& cfg, const rules::Facts& facts);

}  // namespace gw::ipv6
