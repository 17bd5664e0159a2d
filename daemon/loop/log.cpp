#include "daemon/loop/log.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace gw::loop {
namespace {

bool to_journal() {
    static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
    return journal;
}

std::string prefix(LogLevel level, bool first, bool label) {
    if (to_journal()) return "<" + std::to_string(static_cast<int>(level)) + ">";
    if (!first) return "  ";
    if (!label) return {};
    if (level == LogLevel::error) return "error: ";
    if (level == LogLevel::warning) return "warning: ";
    return {};
}

}  // namespace

void log(LogLevel level, std::string_view message, bool label) {
    // One journal entry per line, so multi-line diagnostics keep their priority.
    std::string out;
    bool first = true;
    while (!message.empty() || first) {
        auto end = message.find('\n');
        out += prefix(level, first, label);
        out.append(message.substr(0, end));
        out += '\n';
        first = false;
        if (end == std::string_view::npos) break;
        message.remove_prefix(end + 1);
    }
    std::fputs(out.c_str(), stderr);
    std::fflush(stderr);
}

void log_debug(std::string_view m) {
    static const bool debug = std::getenv("GATEWAYD_DEBUG") != nullptr;
    if (debug) log(LogLevel::debug, m);
}

}  // namespace gw::loop
