// The address sets every config can name without defining them. Their
// contents are the IANA special-purpose ranges an operator knows by name.
#include <array>

#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

struct Builtin {
    std::string_view name;
    std::initializer_list<std::string_view> prefixes;
};

const std::array<Builtin, 5>& builtins() {
    static const std::array<Builtin, 5> kBuiltins{{
        {"rfc1918", {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}},
        {"loopback", {"127.0.0.0/8", "::1/128"}},
        {"link-local", {"169.254.0.0/16", "fe80::/10"}},
        {"ula", {"fc00::/7"}},
        {"documentation", {"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"}},
    }};
    return kBuiltins;
}

}  // namespace

std::vector<AddressSet> builtin_sets() {
    std::vector<AddressSet> out;
    for (const auto& b : builtins()) {
        AddressSet set;
        set.name = Name{std::string(b.name)};
        set.builtin = true;
        for (auto text : b.prefixes) set.elements.push_back(Located<net::Prefix>{*net::Prefix::parse(text)});
        out.push_back(std::move(set));
    }
    return out;
}

bool is_builtin_set(std::string_view name) {
    for (const auto& b : builtins())
        if (b.name == name) return true;
    return false;
}

}  // namespace gw::config
