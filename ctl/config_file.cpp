#include "ctl/config_file.hpp"

#include "daemon/config/file.hpp"
#include "daemon/host/accounts.hpp"

namespace gw::ctl {

std::expected<std::string, std::string> read_text_file(const std::string& path) {
    auto text = config::read_config_file(path);
    if (!text) return std::unexpected(text.error().message);
    return std::move(text->text);
}

std::expected<LoadedConfig, std::string> load_config_file(const std::string& path) {
    auto text = read_text_file(path);
    if (!text) return std::unexpected(text.error());
    host::SystemAccounts host;  // egress users/groups: does this host know them?
    LoadedConfig out{path, std::move(*text), {}};
    out.result = config::parse_config(out.text, path, &host);
    return out;
}

}  // namespace gw::ctl
