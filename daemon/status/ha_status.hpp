// The HA part of the status: JSON both ways and its text section. Kept out
// of json.cpp and text.cpp, which only call these.
#pragma once

#include <yaml-cpp/yaml.h>

#include "daemon/status/status.hpp"
#include "rules/json.hpp"

namespace gw::status {

void write_ha_json(rules::JsonWriter& w, const HaStatus& ha);
HaStatus read_ha_json(const YAML::Node& n);
std::string render_ha_section(const HaStatus& ha, SystemTime now);

}  // namespace gw::status
