#include "rules/config/diag.hpp"

#include "rules/json.hpp"

#include <algorithm>
#include <span>

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

bool Diagnostics::may_quote(int line) const {
    if (source_hidden_) return false;
    return std::none_of(hidden_.begin(), hidden_.end(),
                        [&](const LineRange& r) { return r.first <= line && line <= r.last; });
}

namespace {

const char* severity_name(Severity s) {
    return s == Severity::error ? "error" : "warning";
}

// Where each line starts, found once: looking each diagnostic's line up
// from the top made N diagnostics cost O(N * file size).
class LineIndex {
public:
    explicit LineIndex(std::string_view text) : text_(text) {
        starts_.push_back(0);
        for (std::size_t at = text.find('\n'); at != std::string_view::npos; at = text.find('\n', at + 1))
            starts_.push_back(at + 1);
    }
    std::string_view line(int number) const {
        if (number < 1 || static_cast<std::size_t>(number) > starts_.size()) return {};
        auto start = starts_[static_cast<std::size_t>(number - 1)];
        auto end = text_.find('\n', start);
        return text_.substr(start, end == std::string_view::npos ? text_.size() - start : end - start);
    }

private:
    std::string_view text_;
    std::vector<std::size_t> starts_;
};

void append_excerpt(std::string& out, std::string_view line, int col) {
    out += "  ";
    out += line;
    out += "\n  ";
    // Keep tabs so the caret lines up under tab-indented text.
    for (int i = 1; i < col && static_cast<std::size_t>(i - 1) < line.size(); ++i)
        out += line[static_cast<std::size_t>(i - 1)] == '\t' ? '\t' : ' ';
    out += "^\n";
}

std::string more_line(std::size_t omitted) {
    return "\u2026 and " + std::to_string(omitted) + " more\n";
}

}  // namespace

std::string render_diagnostic_line(const Diagnostic& d, std::string_view file_name) {
    std::string out(file_name);
    if (d.loc.known()) out += ':' + std::to_string(d.loc.line) + ':' + std::to_string(d.loc.col);
    out += ": ";
    out += severity_name(d.severity);
    out += ": " + d.message;
    return out;
}

std::string render_diagnostics(const Diagnostics& diags, std::string_view file_name,
                               std::string_view source_text) {
    LineIndex lines(source_text);
    std::string out;
    const auto& items = diags.items();
    auto shown = std::min(items.size(), kMaxPrintedDiagnostics);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& d = items[i];
        out += render_diagnostic_line(d, file_name);
        out += '\n';
        if (d.loc.known() && diags.may_quote(d.loc.line)) {
            auto line = lines.line(d.loc.line);
            if (!line.empty()) append_excerpt(out, line, d.loc.col);
        }
        if (!d.hint.empty()) out += "  hint: " + d.hint + "\n";
    }
    if (items.size() > shown) out += more_line(items.size() - shown);
    return out;
}

std::string render_diagnostics_json(const Diagnostics& diags, std::string_view file_name) {
    rules::JsonWriter w;
    w.begin_object().key("file").value(file_name).key("valid").value(!diags.has_errors());
    w.key("diagnostics").begin_array();
    const auto& items = diags.items();
    auto shown = std::min(items.size(), kMaxPrintedDiagnostics);
    for (const auto& d : std::span(items).first(shown)) {
        w.begin_object()
            .key("severity").value(severity_name(d.severity))
            .key("line").value(d.loc.line)
            .key("column").value(d.loc.col)
            .key("path").value(d.path)
            .key("message").value(d.message)
            .key("hint").value(d.hint)
            .end_object();
    }
    w.end_array().key("omitted").value(static_cast<std::uint64_t>(items.size() - shown)).end_object();
    return w.str() + "\n";
}

}  // namespace gw::config
