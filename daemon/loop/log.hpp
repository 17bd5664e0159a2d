// The daemon's log lines go to stderr. Under systemd (JOURNAL_STREAM set)
// each line starts with a "<N>" syslog priority, which journald turns into
// the entry's priority; elsewhere (tests, a terminal) lines stay plain.
#pragma once

#include <string_view>

namespace gw::loop {

enum class LogLevel { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

// `label`: prefix "error: "/"warning: " on a terminal (off for messages
// that carry their own, like config diagnostics).
void log(LogLevel level, std::string_view message, bool label = true);
inline void log_error(std::string_view m) { log(LogLevel::error, m); }
inline void log_warning(std::string_view m) { log(LogLevel::warning, m); }
inline void log_notice(std::string_view m) { log(LogLevel::notice, m); }
inline void log_info(std::string_view m) { log(LogLevel::info, m); }
// Shown only when GATEWAYD_DEBUG is set in the environment.
void log_debug(std::string_view m);

}  // namespace gw::loop
