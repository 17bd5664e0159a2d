// An Explanation as text for the shell (one block per step, the deciding
// rule and its gateway.yaml line under it) and as JSON for scripts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "rules/explain/packet.hpp"

namespace gw::explain {

std::string render_text(const Explanation& ex, const std::string& file);
std::string render_json(const Explanation& ex, const std::string& file);

// "tcp 198.51.100.1:40000 -> 198.51.100.2:443"
std::string packet_text(const Packet& p);
// "198.51.100.2:443", "[2001:db8::2]:443"; the address alone without a port.
std::string endpoint_text(const net::Address& a, std::optional<std::uint16_t> port);

}  // namespace gw::explain
