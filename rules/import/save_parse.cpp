// The line structure of a save file: "*table", ":CHAIN POLICY [p:b]",
// "-A CHAIN options", "COMMIT", comments. Rule options are decoded in
// save_options.cpp.
#include "rules/import/save_parse.hpp"

#include <algorithm>
#include <array>

namespace gw::import {

namespace {

constexpr std::array<std::string_view, 5> kIpTables = {"filter", "nat", "mangle", "raw", "security"};
constexpr std::array<std::string_view, 3> kEbTables = {"filter", "nat", "broute"};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Words for input that is not a save file at all, which is the likeliest
// mistake: `nft list ruleset` output, or the shell script itself.
std::optional<std::string> wrong_format(std::string_view line) {
    if (starts_with(line, "table ") || starts_with(line, "flush ruleset") || starts_with(line, "chain ") ||
        starts_with(line, "add rule ") || starts_with(line, "#!/usr/sbin/nft") || line == "}")
        return "this is nftables syntax, not iptables-save output; import what `iptables-save` "
               "(or `iptables-nft-save`) prints";
    if (starts_with(line, "iptables ") || starts_with(line, "ip6tables ") || starts_with(line, "ebtables ") ||
        starts_with(line, "/sbin/iptables") || starts_with(line, "/usr/sbin/iptables") || starts_with(line, "$IPT"))
        return "this is a shell command, not iptables-save output; run the script once, then import what "
               "`iptables-save` prints";
    if (starts_with(line, "#!")) return "this is a script, not iptables-save output";
    return std::nullopt;
}

SaveKind detect_kind(std::string_view text) {
    if (text.find("ebtables") != std::string_view::npos || text.find("*broute") != std::string_view::npos)
        return SaveKind::ebtables;
    if (text.find("ip6tables") != std::string_view::npos) return SaveKind::ip6tables;
    // No header: an IPv6 address in a rule decides.
    for (std::string_view key : {" -s ", " -d "})
        for (auto pos = text.find(key); pos != std::string_view::npos; pos = text.find(key, pos + 1)) {
            auto end = text.find_first_of(" \n", pos + key.size());
            if (text.substr(pos + key.size(), end - pos - key.size()).find(':') != std::string_view::npos)
                return SaveKind::ip6tables;
        }
    return SaveKind::iptables;
}

class Parser {
public:
    Parser(std::string path, SaveKind kind) { file_.path = std::move(path), file_.kind = kind; }
    std::expected<void, ParseError> line(int number, std::string_view text);
    std::expected<SaveFile, ParseError> finish();

private:
    ParseError error(int line, std::string message) const { return {file_.path, line, std::move(message)}; }
    std::expected<void, ParseError> open_table(int number, std::string_view name);
    std::expected<void, ParseError> declare_chain(int number, std::string_view text);
    std::expected<void, ParseError> add_rule(int number, std::string_view text);
    SaveFile file_;
    Table* open_ = nullptr;
};

std::expected<void, ParseError> Parser::open_table(int number, std::string_view name) {
    if (open_) return std::unexpected(error(number, "table '" + open_->name + "' (line " +
                                                        std::to_string(open_->line) + ") has no COMMIT before this one"));
    bool eb = file_.kind == SaveKind::ebtables;
    auto known = [&](auto& list) { return std::find(list.begin(), list.end(), name) != list.end(); };
    if (eb ? !known(kEbTables) : !known(kIpTables))
        return std::unexpected(error(number, "unknown table '" + std::string(name) + "'" +
                                                 (eb ? " (ebtables has filter, nat, broute)"
                                                     : " (iptables has filter, nat, mangle, raw, security)")));
    file_.tables.push_back(Table{std::string(name), number, {}, {}});
    open_ = &file_.tables.back();
    return {};
}

std::expected<void, ParseError> Parser::declare_chain(int number, std::string_view text) {
    if (!open_) return std::unexpected(error(number, "chain declared outside a table (no '*table' line before it)"));
    auto words = split_save_line(text.substr(1));
    if (words.empty()) return std::unexpected(error(number, "chain line without a name"));
    std::string policy = words.size() > 1 ? words[1] : "-";
    if (policy != "-" && policy != "ACCEPT" && policy != "DROP" && policy != "RETURN")
        return std::unexpected(error(number, "unknown policy '" + policy + "' of chain " + words[0]));
    open_->chains.push_back(Chain{words[0], policy, number});
    return {};
}

std::expected<void, ParseError> Parser::add_rule(int number, std::string_view text) {
    if (!open_) return std::unexpected(error(number, "rule outside a table (no '*table' line before it)"));
    auto words = split_save_line(text);
    if (words.size() < 2) return std::unexpected(error(number, "'-A' without a chain"));
    if (!open_->find_chain(words[1]))
        return std::unexpected(error(number, "rule for chain '" + words[1] + "', which table '" + open_->name +
                                                 "' does not declare"));
    Rule rule;
    rule.file = file_.path, rule.line = number, rule.text = std::string(text), rule.chain = words[1];
    words.erase(words.begin(), words.begin() + 2);
    if (auto ok = parse_rule_options(words, file_.kind, rule); !ok) return std::unexpected(error(number, ok.error()));
    if (rule.target.empty() && file_.kind != SaveKind::ebtables) rule.unsupported.push_back("a rule without -j");
    open_->rules.push_back(std::move(rule));
    return {};
}

std::expected<void, ParseError> Parser::line(int number, std::string_view raw) {
    std::string_view text = trim(raw);
    if (text.empty()) return {};
    if (auto why = wrong_format(text)) return std::unexpected(error(number, *why));
    if (text.front() == '#') return {};
    if (text.front() == '*') return open_table(number, trim(text.substr(1)));
    if (text.front() == ':') return declare_chain(number, text);
    if (starts_with(text, "-A ") || starts_with(text, "-I ")) return add_rule(number, text);
    if (text == "COMMIT") {
        if (!open_) return std::unexpected(error(number, "COMMIT without a table"));
        open_ = nullptr;
        return {};
    }
    if (file_.kind == SaveKind::ebtables && starts_with(text, "-P ")) return {};
    return std::unexpected(error(number, "not an iptables-save line: '" + std::string(text.substr(0, 60)) + "'"));
}

std::expected<SaveFile, ParseError> Parser::finish() {
    // ebtables-save writes no COMMIT: its tables end at the next '*'.
    if (open_ && file_.kind != SaveKind::ebtables)
        return std::unexpected(error(open_->line, "table '" + open_->name +
                                                      "' never ends: no COMMIT (is the file cut short?)"));
    if (file_.tables.empty()) return std::unexpected(error(1, "no table in the file ('*filter', '*nat', ...)"));
    return std::move(file_);
}

}  // namespace

std::expected<SaveFile, ParseError> parse_save(std::string_view text, std::string path) {
    SaveKind kind = detect_kind(text);
    Parser parser(std::move(path), kind);
    int number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        ++number;
        std::string_view line = text.substr(start, end - start);
        // ebtables-save has no COMMIT: a new table closes the last one.
        if (kind == SaveKind::ebtables && !line.empty() && line.front() == '*') (void)parser.line(number, "COMMIT");
        if (auto ok = parser.line(number, line); !ok) return std::unexpected(ok.error());
        start = end + 1;
    }
    if (kind == SaveKind::ebtables) (void)parser.line(number + 1, "COMMIT");
    return parser.finish();
}

std::vector<std::string> split_save_line(std::string_view line) {
    std::vector<std::string> words;
    std::string word;
    bool quoted = false, any = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quoted && c == '\\' && i + 1 < line.size()) {
            word += line[++i];
        } else if (c == '"') {
            quoted = !quoted, any = true;
        } else if (!quoted && (c == ' ' || c == '\t')) {
            if (any || !word.empty()) words.push_back(std::move(word));
            word.clear(), any = false;
        } else {
            word += c, any = true;
        }
    }
    if (any || !word.empty()) words.push_back(std::move(word));
    return words;
}

const Chain* Table::find_chain(std::string_view name) const {
    for (const auto& c : chains)
        if (c.name == name) return &c;
    return nullptr;
}

std::vector<const Rule*> Table::rules_of(std::string_view chain) const {
    std::vector<const Rule*> out;
    for (const auto& r : rules)
        if (r.chain == chain) out.push_back(&r);
    return out;
}

const Table* SaveFile::find_table(std::string_view name) const {
    for (const auto& t : tables)
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace gw::import
