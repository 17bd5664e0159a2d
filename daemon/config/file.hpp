// Getting a config to reconcile: the text (from a file, or sent over the
// bus), parsed and validated into a Config that keeps its text and label so
// that diagnostics and kernel errors can point at file:line:col. A file
// either loads whole or not at all: a LoadFailure carries every diagnostic.
#pragma once

#include <expected>
#include <string>

#include "rules/config/diag.hpp"
#include "rules/config/model.hpp"
#include "rules/config/parse.hpp"

namespace gw::config {

struct ConfigText {
    std::string text;
    std::string label;  // the file path, or a name such as "<bus>"
};

struct LoadedConfig {
    ConfigText source;
    Config config;
    Diagnostics warnings;  // the file is valid; these are only hints
};

struct LoadFailure {
    std::string message;            // rendered: every diagnostic with its source line, or an I/O error
    Diagnostics diagnostics;  // empty for I/O errors
    std::string json;               // render_diagnostics_json, or a one-entry equivalent
};

std::expected<ConfigText, LoadFailure> read_config_file(const std::string& path);
std::expected<LoadedConfig, LoadFailure> load_config(ConfigText text, const HostFacts* host);
// Both steps; for the daemon's own file.
std::expected<LoadedConfig, LoadFailure> load_config_file(const std::string& path,
                                                          const HostFacts* host);

}  // namespace gw::config
