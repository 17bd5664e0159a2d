// password-file: read through host::read_secret_file; errors name the
// config line.
#include "daemon/uplinks/password.hpp"

#include "daemon/host/secret_file.hpp"

namespace gw::uplinks {

namespace {

std::string where(const config::Uplink& u, const std::string& label) {
    const auto& loc = u.password_file ? u.password_file->loc : u.loc;
    if (!loc.known()) return label + ": ";
    return label + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": ";
}

}  // namespace

std::expected<std::string, std::string> read_password_file(const config::Uplink& u, const std::string& label) {
    std::string prefix = where(u, label) + "uplink " + u.name.value + ": password-file ";
    if (!u.password_file) return std::unexpected(prefix + "is missing");
    auto text = host::read_secret_file(u.password_file->value);
    if (text) return text;
    std::string why = text.error();
    if (why != "is empty") why += " (it must be a root-owned file with mode 0600)";
    return std::unexpected(prefix + u.password_file->value + " " + why);
}

}  // namespace gw::uplinks
