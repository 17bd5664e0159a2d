#include "daemon/config/file.hpp"

#include "daemon/config/read.hpp"

namespace gw::config {
namespace {

LoadFailure io_failure(const std::string& path, const std::string& why) {
    LoadFailure f;
    f.message = "cannot read " + path + ": " + why;
    Diagnostics d;
    d.error({}, "", why);
    f.json = render_diagnostics_json(d, path);
    return f;
}

}  // namespace

std::expected<ConfigText, LoadFailure> read_config_file(const std::string& path) {
    auto bytes = read_config_bytes(path);
    if (!bytes) return std::unexpected(io_failure(path, bytes.error()));
    return ConfigText{std::move(*bytes), path};
}

std::expected<LoadedConfig, LoadFailure> load_config(ConfigText text, const HostFacts* host) {
    if (auto why = config_size_problem(text.text.size()); !why.empty())
        return std::unexpected(io_failure(text.label, why));
    auto parsed = parse_config(text.text, text.label, host);
    parsed.diagnostics.sort();
    if (!parsed.config) {
        LoadFailure f;
        f.message = render_diagnostics(parsed.diagnostics, text.label, text.text);
        f.json = render_diagnostics_json(parsed.diagnostics, text.label);
        f.diagnostics = std::move(parsed.diagnostics);
        return std::unexpected(std::move(f));
    }
    return LoadedConfig{std::move(text), std::move(*parsed.config), std::move(parsed.diagnostics)};
}

std::expected<LoadedConfig, LoadFailure> load_config_file(const std::string& path,
                                                          const HostFacts* host) {
    auto text = read_config_file(path);
    if (!text) return std::unexpected(std::move(text.error()));
    return load_config(std::move(*text), host);
}

}  // namespace gw::config
