// Which keys of gateway.yaml may hold a secret. Their lines are never
// echoed in diagnostics. The test is deliberately wide (any key naming a
// password, secret, key share or token, a mistyped one included, and the
// password-file line, where a password pasted by mistake would sit): a
// lost source excerpt costs little, a leaked password a lot.
#pragma once

#include <string_view>

namespace gw::config {

bool is_secret_key(std::string_view key);

}  // namespace gw::config
