// What a config must be before YAML is asked to read it: text, in UTF-8,
// without NUL bytes. Checked on the raw bytes, the same for gwctl and the
// daemon, and reported at the first offending byte's line:col (columns
// count bytes, like yaml-cpp's marks). The offending line is not quoted: it
// is not valid text, and a D-Bus reply must be.
#pragma once

#include <string_view>

#include "rules/config/diag.hpp"

namespace gw::config {

// False (with a diagnostic) when `text` holds a NUL byte or invalid UTF-8.
bool check_text(std::string_view text, Diagnostics& diags);

// The length of the valid UTF-8 sequence at `at`, or 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

}  // namespace gw::config
