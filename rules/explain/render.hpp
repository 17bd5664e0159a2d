// An Explanation as text for the shell (one block per step, the deciding
// rule and its gateway.yaml line under it) and as JSON for scripts.
#pragma once

#include <string>

#include "rules/explain/packet.hpp"

namespace gw::explain {

std::string render_text(const Explanation& ex, const std::string& file);
std::string render_json(const Explanation& ex, const std::string& file);

// "tcp 198.51.100.1:40000 -> 198.51.100.2:443"
std::string packet_text(const Packet& p);

}  // namespace gw::explain
