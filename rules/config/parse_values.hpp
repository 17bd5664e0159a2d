// Reading typed values out of the YAML tree: every reader checks the node's
// type and range, reports what is wrong at the node's line:col, and returns
// nullopt (or an empty list) so the caller just moves on. Section parsers
// are built from these and never look at raw text themselves.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "rules/config/diag.hpp"
#include "rules/config/model.hpp"
#include "rules/config/yaml_tree.hpp"

namespace gw::config {

// "nat" + "forwards" -> "nat.forwards"; "nat.forwards" + 2 -> "nat.forwards[2]".
std::string join_path(std::string_view base, std::string_view key);
std::string join_path(std::string_view base, std::size_t index);

// join_path() into one reused buffer, for the paths of a list's items or a
// mapping's keys: readers take a path for the diagnostic they rarely make,
// and 10,000 forwards made 50,000 strings for none. Each call overwrites
// the last path, so use it before asking for the next.
class PathBuffer {
public:
    explicit PathBuffer(std::string_view base);
    const std::string& key(std::string_view key);     // join_path(base, key)
    const std::string& index(std::size_t index);      // join_path(base, index)
    // A new base in the same buffer: one buffer for the keys of every item
    // of a list, rather than an allocation per item.
    void rebase(std::string_view base);

private:
    std::string text_;
    std::size_t base_;
};

// "10.0.0.0/8", or "10.0.0.1" for a host: how the operator would write it.
std::string prefix_text(const net::Prefix& p);

// [a-z][a-z0-9_-]{0,14}: names become parts of kernel object names.
bool is_valid_name(std::string_view s);

template <class E>
using EnumTable = std::initializer_list<std::pair<std::string_view, E>>;

class Reader {
public:
    explicit Reader(Diagnostics& diags) : diags_(diags) {}

    void error(Loc at, std::string path, std::string message, std::string hint = {});
    void warning(Loc at, std::string path, std::string message, std::string hint = {});

    // Type checks that report "expected X, got Y" at the node.
    bool expect_map(const Node& n, const std::string& path);
    bool expect_list(const Node& n, const std::string& path);
    // A key's value that must be a mapping; null (an empty section) is an
    // empty mapping.
    bool expect_map_or_null(const Node& n, const std::string& path);

    // Every key of `map` not in `allowed` is an error with a "did you mean".
    void check_keys(const Node& map, const std::string& path, std::span<const std::string_view> allowed);
    // check_keys() for one entry: the index of its key in `allowed`, or
    // nullopt (reported) when it has none.
    std::optional<std::size_t> allowed_key(const MapEntry& entry, const std::string& path,
                                           std::span<const std::string_view> allowed);
    void check_keys(const Node& map, const std::string& path, std::initializer_list<std::string_view> allowed) {
        check_keys(map, path, std::span<const std::string_view>(allowed.begin(), allowed.size()));
    }
    // The value of a required key, or an error "missing required key".
    // `at` overrides where the error points (e.g. the entry's name key).
    const Node* require(const Node& map, const std::string& path, std::string_view key, Loc at = {});

    std::optional<Located<bool>> read_bool(const Node& n, const std::string& path);
    std::optional<Located<std::uint32_t>> read_uint(const Node& n, const std::string& path,
                                                    std::uint32_t min, std::uint32_t max);
    std::optional<Located<std::string>> read_string(const Node& n, const std::string& path);
    // A non-empty absolute path.
    std::optional<Located<std::string>> read_path(const Node& n, const std::string& path);
    std::optional<Name> read_name(const Node& n, const std::string& path);
    // A map key naming an entry: reported when invalid but returned anyway,
    // so references to the entry still resolve and add no noise.
    Name read_key_name(const Node& key, const std::string& path);
    std::optional<Name> read_link_name(const Node& n, const std::string& path);
    // A name or a list of names (`uplink: wan` or `uplink: [wan, wan2]`).
    Names read_names(const Node& n, const std::string& path);
    Names read_link_names(const Node& n, const std::string& path);
    // A list of free-form strings (user and group names, icmp types).
    Names read_strings(const Node& n, const std::string& path);

    Ports read_ports(const Node& n, const std::string& path);
    // "tcp" | "udp" | "both": the protocols that have ports (forwards, egress).
    std::optional<Located<Proto>> read_port_proto(const Node& n, const std::string& path);
    std::optional<PortRange> read_port_range(const Node& n, const std::string& path);

    std::optional<Located<net::Address>> read_address(const Node& n, const std::string& path,
                                                      std::optional<net::Family> family = {});
    // A host address with prefix length (interface addresses): host bits allowed.
    std::optional<Located<net::Prefix>> read_host_prefix(const Node& n, const std::string& path);
    // A network: host bits and mistyped private ranges are reported.
    std::optional<Located<net::Prefix>> read_network(const Node& n, const std::string& path);
    std::vector<Located<net::Prefix>> read_networks(const Node& n, const std::string& path);
    // Prefixes and set names, one string or a list.
    AddressMatch read_address_list(const Node& n, const std::string& path);

    template <class E>
    std::optional<Located<E>> read_enum(const Node& n, const std::string& path, EnumTable<E> table) {
        return read_enum(n, path, std::span<const std::pair<std::string_view, E>>(table.begin(), table.size()));
    }
    template <class E>
    std::optional<Located<E>> read_enum(const Node& n, const std::string& path,
                                        std::span<const std::pair<std::string_view, E>> table);

    Diagnostics& diags() { return diags_; }
    // Whether an error was already reported for this YAML path, so a later
    // check does not pile a second message onto a value that was rejected.
    bool has_error_at(std::string_view path) const;

private:
    std::optional<std::string_view> scalar_text(const Node& n, const std::string& path,
                                                std::string_view expected);
    void unknown_enum(const Node& n, const std::string& path, std::span<const std::string_view> names);
    void check_network(const Located<net::Prefix>& p, const std::string& written, const std::string& path);

    Diagnostics& diags_;
};

template <class E>
std::optional<Located<E>> Reader::read_enum(const Node& n, const std::string& path,
                                           std::span<const std::pair<std::string_view, E>> table) {
    auto text = scalar_text(n, path, "a string");
    if (!text) return std::nullopt;
    std::vector<std::string_view> names;
    for (const auto& [name, value] : table) {
        if (name == *text) return Located<E>{value, n.loc};
        names.push_back(name);
    }
    unknown_enum(n, path, names);
    return std::nullopt;
}

// A mapping's keys looked up in one pass that also does check_keys(): for
// the mappings of long lists, where asking for each key by name scanned a
// forward's entries once per key, ten times over. Keys are asked for by
// their index in `allowed`.
class KeyedValues {
public:
    template <std::size_t N>
    KeyedValues(Reader& r, const Node& map, const std::string& path, const std::string_view (&allowed)[N])
        : KeyedValues(r, map, path, std::span<const std::string_view>(allowed)) {
        static_assert(N <= kMaxKeys, "KeyedValues holds at most kMaxKeys keys");
    }
    const Node* find(std::size_t key) const { return found_[key].value; }
    const Node* find_key(std::size_t key) const { return found_[key].key; }  // the key node itself
    // find(), or Reader::require()'s "missing required key" when absent.
    const Node* require(std::size_t key) const;

private:
    static constexpr std::size_t kMaxKeys = 16;
    KeyedValues(Reader& r, const Node& map, const std::string& path, std::span<const std::string_view> allowed);
    struct Found {
        const Node* key = nullptr;
        const Node* value = nullptr;
    };
    Reader& r_;
    const Node& map_;
    const std::string& path_;
    std::span<const std::string_view> allowed_;
    std::array<Found, kMaxKeys> found_{};
};

// Assigns when the reader produced a value; keeps the default otherwise.
template <class T>
void assign(T& dst, std::optional<T>&& v) {
    if (v) dst = std::move(*v);
}
template <class T>
void assign(std::optional<T>& dst, std::optional<T>&& v) {
    if (v) dst = std::move(v);
}

}  // namespace gw::config
