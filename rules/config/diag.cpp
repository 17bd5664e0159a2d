#include "rules/config/diag.hpp"

#include "rules/json.hpp"

#include <algorithm>
#include <sstream>

namespace gw::config {

void Diagnostics::error(Loc loc, std::string path, std::string message, std::string hint) {
    items_.push_back({Severity::error, loc, std::move(path), std::move(message), std::move(hint)});
}

void Diagnostics::warning(Loc loc, std::string path, std::string message, std::string hint) {
    items_.push_back({Severity::warning, loc, std::move(path), std::move(message), std::move(hint)});
}

bool Diagnostics::has_errors() const {
    return std::any_of(items_.begin(), items_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::error; });
}

void Diagnostics::sort() {
    // Remarks about the whole file (no position) come after the located ones.
    std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
        if (a.loc.known() != b.loc.known()) return a.loc.known();
        if (a.loc.line != b.loc.line) return a.loc.line < b.loc.line;
        return a.loc.col < b.loc.col;
    });
}

namespace {

const char* severity_name(Severity s) {
    return s == Severity::error ? "error" : "warning";
}

std::string_view source_line(std::string_view text, int line) {
    int current = 1;
    std::size_t start = 0;
    while (current < line) {
        auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) return {};
        start = nl + 1;
        ++current;
    }
    auto end = text.find('\n', start);
    return text.substr(start, end == std::string_view::npos ? text.size() - start : end - start);
}

}  // namespace

std::string render_diagnostic_line(const Diagnostic& d, std::string_view file_name) {
    std::ostringstream out;
    out << file_name;
    if (d.loc.known()) out << ':' << d.loc.line << ':' << d.loc.col;
    out << ": " << severity_name(d.severity) << ": " << d.message;
    return out.str();
}

std::string render_diagnostics(const Diagnostics& diags, std::string_view file_name,
                               std::string_view source_text) {
    std::string out;
    for (const auto& d : diags.items()) {
        out += render_diagnostic_line(d, file_name);
        out += '\n';
        if (d.loc.known()) {
            auto line = source_line(source_text, d.loc.line);
            if (!line.empty()) {
                out += "  ";
                out += line;
                out += "\n  ";
                // Keep tabs so the caret lines up under tab-indented text.
                for (int i = 1; i < d.loc.col && static_cast<std::size_t>(i - 1) < line.size(); ++i)
                    out += line[static_cast<std::size_t>(i - 1)] == '\t' ? '\t' : ' ';
                out += "^\n";
            }
        }
        if (!d.hint.empty()) out += "  hint: " + d.hint + "\n";
    }
    return out;
}

std::string render_diagnostics_json(const Diagnostics& diags, std::string_view file_name) {
    rules::JsonWriter w;
    w.begin_object().key("file").value(file_name).key("valid").value(!diags.has_errors());
    w.key("diagnostics").begin_array();
    for (const auto& d : diags.items()) {
        w.begin_object()
            .key("severity").value(severity_name(d.severity))
            .key("line").value(d.loc.line)
            .key("column").value(d.loc.col)
            .key("path").value(d.path)
            .key("message").value(d.message)
            .key("hint").value(d.hint)
            .end_object();
    }
    w.end_array().end_object();
    return w.str() + "\n";
}

}  // namespace gw::config
