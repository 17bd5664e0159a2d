// Reading a PPPoE password from its `password-file`: only a regular file
// owned by root and readable by no one else (0600 or stricter) is used, so
// a password never sits where other users can read it. Errors name the
// config line of `password-file`, never the password.
#pragma once

#include <expected>
#include <string>

#include "rules/config/model.hpp"

namespace gw::uplinks {

// The password without its trailing newline. `config_label` is the config's
// file name for the error message.
std::expected<std::string, std::string> read_password_file(const config::Uplink& uplink,
                                                           const std::string& config_label);

}  // namespace gw::uplinks
