// Config diagnostics: collected (never thrown), each at file:line:col with a
// YAML path, a message and an optional hint; printed like a compiler does,
// with the source line and a caret under the offending column. Lines that
// hold a secret, and every line of a file that is not a gateway config, are
// never printed: the location says where to look.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/config/source.hpp"

namespace gw::config {

enum class Severity {
    error,    // the config cannot be applied
    warning,  // applies, but probably not what the operator meant
};

struct Diagnostic {
    Severity severity = Severity::error;
    Loc loc;
    std::string path;     // YAML path, e.g. "nat.forwards[2].port"
    std::string message;
    std::string hint;     // "did you mean 172.16.0.0/12?"; empty when none helps
};

class Diagnostics {
public:
    void error(Loc loc, std::string path, std::string message, std::string hint = {});
    void warning(Loc loc, std::string path, std::string message, std::string hint = {});
    void add(Diagnostic d) { items_.push_back(std::move(d)); }

    bool has_errors() const;
    const std::vector<Diagnostic>& items() const { return items_; }
    // Ordered by position so output reads top to bottom like the file;
    // diagnostics without a position come last.
    void sort();

    // Lines first..last (1-based) hold a secret: never echo them.
    void hide_lines(int first, int last) { hidden_.push_back({first, last}); }
    // The text is not a gateway config (or not text): echo none of it.
    void hide_source() { source_hidden_ = true; }
    bool may_quote(int line) const;

private:
    struct LineRange {
        int first, last;
    };
    std::vector<Diagnostic> items_;
    std::vector<LineRange> hidden_;
    bool source_hidden_ = false;
};

// At most this many diagnostics are printed (text and JSON); the rest are
// counted: "... and N more".
inline constexpr std::size_t kMaxPrintedDiagnostics = 100;

// "file:line:col: error: message" + source line + caret + "  hint: ..." lines.
std::string render_diagnostics(const Diagnostics& diags, std::string_view file_name,
                               std::string_view source_text);
// One line per diagnostic, no source excerpt: "file:line:col: error: message".
std::string render_diagnostic_line(const Diagnostic& d, std::string_view file_name);
// {"file":..., "valid":bool, "diagnostics":[{"severity","line","column","path","message","hint"}],
//  "omitted":N}
std::string render_diagnostics_json(const Diagnostics& diags, std::string_view file_name);

}  // namespace gw::config
