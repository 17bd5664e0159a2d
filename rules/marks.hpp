// The packet and connection mark layout: which bits of the 32-bit mark
// carry what, so that the nft compiler (which sets and restores marks) and
// the netlink compiler (whose fwmark rules read them) agree by construction.
// The IPv6 bridge split's port marks are config values (marks.inside and
// marks.outside, 0x600/0x601 by default) and stay in the low bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "rules/config/model.hpp"

namespace gw::rules {

// Connection marks of uplinks live in bits 16-23: they never meet the IPv6
// bridge split's port marks (0x600/0x601) or anything else in the low bits.
inline constexpr std::uint32_t kUplinkMarkMask = 0x00ff0000;
inline constexpr std::uint32_t kUplinkMarkShift = 16;
inline constexpr std::size_t kMaxMarkedUplinks = 255;

// Connection marks are used when replies must follow the ingress uplink:
// `reply-via-ingress` and more than one uplink (with one, main suffices).
bool uses_connection_marks(const config::Config& cfg);
// Uplink name -> its connection mark, (index + 1) << 16 in config order;
// empty when marks are not used.
std::map<std::string, std::uint32_t, std::less<>> uplink_marks(const config::Config& cfg);

}  // namespace gw::rules
