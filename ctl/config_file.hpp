// Reading and parsing a config file for the verbs that take one (check,
// render, diff, apply). An unreadable file is a one-line reason, not a
// diagnostic list: there is no line to point at.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "rules/config/parse.hpp"

namespace gw::ctl {

// The whole file, or "cannot read FILE: reason".
std::expected<std::string, std::string> read_text_file(const std::string& path);

struct LoadedConfig {
    std::string path;
    std::string text;  // kept for printing source lines under diagnostics
    config::ParseResult result;
};

// Reads and parses `path`; host facts come from this machine.
std::expected<LoadedConfig, std::string> load_config_file(const std::string& path);

}  // namespace gw::ctl
