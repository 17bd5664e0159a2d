// Scalar readers: booleans, integers with ranges, names, ports, addresses
// and prefixes. Each knows the one message an operator needs when the value
// is wrong, and points at the value itself.
#include "rules/config/parse_values.hpp"

#include <algorithm>
#include <charconv>

#include "rules/config/suggest.hpp"

namespace gw::config {

namespace {

// The last key of a path, for messages: "nat.forwards[2].port" -> "port".
std::string label(std::string_view path) {
    auto dot = path.rfind('.');
    auto last = dot == std::string_view::npos ? path : path.substr(dot + 1);
    auto bracket = last.find('[');
    return std::string(bracket == std::string_view::npos ? last : last.substr(0, bracket));
}

std::optional<std::uint64_t> parse_unsigned(std::string_view s) {
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s.remove_prefix(2);
    }
    if (s.empty()) return std::nullopt;
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

// One allocation each: every value of a config gets its path, so a
// 10,000-forward file joins ~50,000 of them.
std::string join_path(std::string_view base, std::string_view key) {
    std::string out;
    out.reserve(base.size() + 1 + key.size());
    out.append(base);
    if (!base.empty()) out += '.';
    out.append(key);
    return out;
}

std::string join_path(std::string_view base, std::size_t index) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, index).ptr;
    std::string out;
    out.reserve(base.size() + 2 + static_cast<std::size_t>(end - digits));
    out.append(base);
    out += '[';
    out.append(digits, end);
    out += ']';
    return out;
}

PathBuffer::PathBuffer(std::string_view base) : base_(base.size()) {
    text_.reserve(base_ + 24);  // room for a key or an index: one allocation
    text_.append(base);
}

void PathBuffer::rebase(std::string_view base) {
    text_.assign(base);
    base_ = base.size();
}

// Both write into the buffer after one resize: appending piece by piece
// made a library call per piece, for each of 50,000 paths.
const std::string& PathBuffer::key(std::string_view key) {
    bool dot = base_ != 0;
    text_.resize(base_ + dot + key.size());
    char* out = text_.data() + base_;
    if (dot) *out++ = '.';
    key.copy(out, key.size());
    return text_;
}

const std::string& PathBuffer::index(std::size_t index) {
    char digits[24];
    auto digits_end = std::to_chars(digits, digits + sizeof digits, index).ptr;
    auto n = static_cast<std::size_t>(digits_end - digits);
    text_.resize(base_ + n + 2);
    char* out = text_.data() + base_;
    *out++ = '[';
    std::copy(digits, digits_end, out);
    out[n] = ']';
    return text_;
}

std::string prefix_text(const net::Prefix& p) {
    return p.length == p.address.bits() ? p.address.str() : p.str();
}

bool is_valid_name(std::string_view s) {
    if (s.empty() || s.size() > 15 || s[0] < 'a' || s[0] > 'z') return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    return true;
}

void Reader::error(Loc at, std::string path, std::string message, std::string hint) {
    diags_.error(at, std::move(path), std::move(message), std::move(hint));
}

void Reader::warning(Loc at, std::string path, std::string message, std::string hint) {
    diags_.warning(at, std::move(path), std::move(message), std::move(hint));
}

bool Reader::has_error_at(std::string_view path) const {
    for (const auto& d : diags_.items())
        if (d.severity == Severity::error && d.path == path) return true;
    return false;
}

bool Reader::expect_map(const Node& n, const std::string& path) {
    if (n.is_map()) return true;
    error(n.loc, path, "expected a mapping for '" + label(path) + "', got " + std::string(describe(n)));
    return false;
}

bool Reader::expect_map_or_null(const Node& n, const std::string& path) {
    return n.is_null() || expect_map(n, path);
}

bool Reader::expect_list(const Node& n, const std::string& path) {
    if (n.is_sequence()) return true;
    error(n.loc, path, "expected a list for '" + label(path) + "', got " + std::string(describe(n)));
    return false;
}

void Reader::check_keys(const Node& map, const std::string& path, std::span<const std::string_view> allowed) {
    for (const auto& entry : map.entries) allowed_key(entry, path, allowed);
}

std::optional<std::size_t> Reader::allowed_key(const MapEntry& entry, const std::string& path,
                                               std::span<const std::string_view> allowed) {
    const Node& key = entry.key;
    if (!key.is_scalar()) {
        error(key.loc, path, "mapping keys must be plain strings");
        return std::nullopt;
    }
    auto it = std::find(allowed.begin(), allowed.end(), std::string_view(key.text));
    if (it != allowed.end()) return static_cast<std::size_t>(it - allowed.begin());
    std::string where = path.empty() ? "at top level" : "in '" + path + "'";
    // A key on a line that may not be echoed (a secret's, or a file that
    // is not a config, where the "key" is someone's /etc/shadow line) is
    // not named either.
    if (!diags_.may_quote(key.loc.line))
        error(key.loc, path, "unknown key " + where, did_you_mean(key.text, allowed));
    else
        error(key.loc, join_path(path, key.text), "unknown key '" + key.text + "' " + where,
              did_you_mean(key.text, allowed));
    return std::nullopt;
}

KeyedValues::KeyedValues(Reader& r, const Node& map, const std::string& path,
                         std::span<const std::string_view> allowed)
    : r_(r), map_(map), path_(path), allowed_(allowed) {
    for (const auto& entry : map.entries) {
        auto i = r.allowed_key(entry, path, allowed_);
        if (i && !found_[*i].key) found_[*i] = {&entry.key, &entry.value};  // the first, as Node::find
    }
}

const Node* KeyedValues::require(std::size_t key) const {
    if (const Node* v = find(key)) return v;
    return r_.require(map_, path_, allowed_[key]);
}

const Node* Reader::require(const Node& map, const std::string& path, std::string_view key, Loc at) {
    const Node* v = map.find(key);
    if (v) return v;
    std::string where = path.empty() ? "at top level" : "in '" + path + "'";
    error(at.known() ? at : map.loc, join_path(path, key),
          "missing required key '" + std::string(key) + "' " + where);
    return nullptr;
}

std::optional<std::string_view> Reader::scalar_text(const Node& n, const std::string& path,
                                                    std::string_view expected) {
    if (n.is_scalar()) return std::string_view(n.text);
    error(n.loc, path, "expected " + std::string(expected) + " for '" + label(path) + "', got " +
                           std::string(describe(n)));
    return std::nullopt;
}

std::optional<Located<bool>> Reader::read_bool(const Node& n, const std::string& path) {
    if (n.is_scalar() && n.plain) {
        if (n.text == "true" || n.text == "True" || n.text == "TRUE") return Located<bool>{true, n.loc};
        if (n.text == "false" || n.text == "False" || n.text == "FALSE") return Located<bool>{false, n.loc};
    }
    std::string got = n.is_scalar() ? "'" + n.text + "'" : std::string(describe(n));
    error(n.loc, path, "expected true or false for '" + label(path) + "', got " + got);
    return std::nullopt;
}

std::optional<Located<std::uint32_t>> Reader::read_uint(const Node& n, const std::string& path,
                                                        std::uint32_t min, std::uint32_t max) {
    auto v = n.is_scalar() && n.plain ? parse_unsigned(n.text) : std::nullopt;
    if (!v) {
        std::string got = n.is_scalar() ? (n.plain ? "'" + n.text + "'" : "a string")
                                        : std::string(describe(n));
        error(n.loc, path, "expected an integer for '" + label(path) + "', got " + got);
        return std::nullopt;
    }
    if (*v < min || *v > max) {
        error(n.loc, path,
              label(path) + " " + n.text + " out of range " + std::to_string(min) + ".." + std::to_string(max));
        return std::nullopt;
    }
    return Located<std::uint32_t>{static_cast<std::uint32_t>(*v), n.loc};
}

std::optional<Located<std::string>> Reader::read_string(const Node& n, const std::string& path) {
    auto text = scalar_text(n, path, "a string");
    if (!text) return std::nullopt;
    return Located<std::string>{std::string(*text), n.loc};
}

std::optional<Located<std::string>> Reader::read_path(const Node& n, const std::string& path) {
    auto s = read_string(n, path);
    if (!s) return std::nullopt;
    if (s->value.empty() || s->value[0] != '/') {
        // The value is not quoted: a password pasted into password-file
        // by mistake would be echoed (its line is never printed either).
        error(n.loc, path, label(path) + " must be an absolute path");
        return std::nullopt;
    }
    return s;
}

std::optional<Name> Reader::read_name(const Node& n, const std::string& path) {
    auto text = scalar_text(n, path, "a name");
    if (!text) return std::nullopt;
    if (!is_valid_name(*text)) {
        error(n.loc, path, "invalid name '" + std::string(*text) + "'",
              "names match [a-z][a-z0-9_-]{0,14}: a lower-case letter, then up to 14 of a-z 0-9 _ -");
        return std::nullopt;
    }
    return Name{std::string(*text), n.loc};
}

Name Reader::read_key_name(const Node& key, const std::string& path) {
    read_name(key, path);
    return Name{key.is_scalar() ? key.text : std::string{}, key.loc};
}

std::optional<Name> Reader::read_link_name(const Node& n, const std::string& path) {
    auto text = scalar_text(n, path, "a link name");
    if (!text) return std::nullopt;
    bool ok = !text->empty() && text->size() <= 15 && *text != "." && *text != "..";
    for (char c : *text) ok = ok && c > ' ' && c != '/' && c != ':' && c < 0x7f;
    if (!ok) {
        error(n.loc, path, "invalid link name '" + std::string(*text) + "'",
              "link names are 1 to 15 characters without spaces, '/' or ':'");
        return std::nullopt;
    }
    return Name{std::string(*text), n.loc};
}

Names Reader::read_names(const Node& n, const std::string& path) {
    Names out;
    if (!n.is_sequence()) {
        if (auto v = read_name(n, path)) out.push_back(std::move(*v));
        return out;
    }
    for (std::size_t i = 0; i < n.items.size(); ++i)
        if (auto v = read_name(n.items[i], join_path(path, i))) out.push_back(std::move(*v));
    return out;
}

Names Reader::read_link_names(const Node& n, const std::string& path) {
    Names out;
    if (!n.is_sequence()) {
        if (auto v = read_link_name(n, path)) out.push_back(std::move(*v));
        return out;
    }
    for (std::size_t i = 0; i < n.items.size(); ++i)
        if (auto v = read_link_name(n.items[i], join_path(path, i))) out.push_back(std::move(*v));
    return out;
}

Names Reader::read_strings(const Node& n, const std::string& path) {
    Names out;
    if (!expect_list(n, path)) return out;
    for (std::size_t i = 0; i < n.items.size(); ++i) {
        auto p = join_path(path, i);
        auto s = read_string(n.items[i], p);
        if (!s) continue;
        bool blank = s->value.empty() || s->value.find_first_of(" \t\n\r") != std::string::npos;
        if (blank)
            error(n.items[i].loc, p, "invalid entry '" + s->value + "' in '" + label(path) + "'",
                  "names here contain no spaces");
        else
            out.push_back(std::move(*s));
    }
    return out;
}

std::optional<PortRange> Reader::read_port_range(const Node& n, const std::string& path) {
    auto text = scalar_text(n, path, "a port");
    if (!text) return std::nullopt;
    auto dash = text->find('-');
    auto first = parse_unsigned(text->substr(0, dash));
    auto last = dash == std::string_view::npos ? first : parse_unsigned(text->substr(dash + 1));
    if (!first || !last || text->starts_with("0x")) {
        error(n.loc, path, "invalid port '" + n.text + "'",
              "a port is a number 1..65535 or a range like \"8000-8100\"");
        return std::nullopt;
    }
    for (auto v : {*first, *last}) {
        if (v < 1 || v > 65535) {
            error(n.loc, path, "port " + std::to_string(v) + " out of range 1..65535");
            return std::nullopt;
        }
    }
    if (*first > *last) {
        error(n.loc, path, "inverted port range " + n.text,
              "did you mean " + std::to_string(*last) + "-" + std::to_string(*first) + "?");
        return std::nullopt;
    }
    return PortRange{static_cast<std::uint16_t>(*first), static_cast<std::uint16_t>(*last), n.loc};
}

std::optional<Located<Proto>> Reader::read_port_proto(const Node& n, const std::string& path) {
    return read_enum<Proto>(n, path, {{"tcp", Proto::tcp}, {"udp", Proto::udp}, {"both", Proto::tcp_udp}});
}

Ports Reader::read_ports(const Node& n, const std::string& path) {
    Ports out;
    if (!n.is_sequence()) {
        if (auto r = read_port_range(n, path)) out.push_back(*r);
        return out;
    }
    if (n.items.empty()) error(n.loc, path, "empty port list");
    for (std::size_t i = 0; i < n.items.size(); ++i)
        if (auto r = read_port_range(n.items[i], join_path(path, i))) out.push_back(*r);
    return out;
}

void Reader::unknown_enum(const Node& n, const std::string& path, std::span<const std::string_view> names) {
    std::string hint = did_you_mean(n.text, names);
    if (hint.empty()) {
        hint = "expected one of:";
        for (auto name : names) hint += " " + std::string(name);
    }
    error(n.loc, path, "invalid " + label(path) + " '" + n.text + "'", hint);
}

}  // namespace gw::config
