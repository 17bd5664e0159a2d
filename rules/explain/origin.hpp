// Names the part of gateway.yaml a compiled object came from
// ("nat.forwards[0]", "firewall.forward.rules[2]") from its Loc: the
// compiler records positions, and this maps them back to the YAML path
// an operator can find, the nearest section entry at or before it.
#pragma once

#include <string>

#include "rules/config/model.hpp"

namespace gw::explain {

std::string origin_path(const config::Config& config, config::Loc loc);

}  // namespace gw::explain
