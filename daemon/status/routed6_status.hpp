// The routed IPv6 part of the status (delegated prefixes, LAN prefixes,
// router advertisements): JSON both ways and its text section.
#pragma once

#include <yaml-cpp/yaml.h>

#include "daemon/status/status.hpp"
#include "rules/json.hpp"

namespace gw::status {

void write_routed6_json(rules::JsonWriter& w, const Routed6Status& s);
Routed6Status read_routed6_json(const YAML::Node& n);
std::string render_routed6_section(const Routed6Status& s, SystemTime now);

}  // namespace gw::status
