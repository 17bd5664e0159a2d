// Address, prefix and address-list readers. A network (zone, set, rule
// address) must not have host bits set and must not be a near miss of a
// private range; an interface address is a host address and may.
#include "rules/config/parse_values.hpp"
#include "rules/config/suggest.hpp"

namespace gw::config {

namespace {

std::string family_name(net::Family f) {
    return f == net::Family::ipv4 ? "IPv4" : "IPv6";
}

bool looks_like_address(std::string_view s) {
    return s.find_first_of(".:/") != std::string_view::npos || (!s.empty() && s[0] >= '0' && s[0] <= '9');
}

}  // namespace

std::optional<Located<net::Address>> Reader::read_address(const Node& n, const std::string& path,
                                                          std::optional<net::Family> family) {
    auto s = read_string(n, path);
    if (!s) return std::nullopt;
    auto a = net::Address::parse(s->value);
    std::string what = family ? family_name(*family) + " address" : "address";
    if (!a) {
        error(n.loc, path, "invalid " + what + " '" + s->value + "'");
        return std::nullopt;
    }
    if (family && a->family != *family) {
        error(n.loc, path, "expected an " + what + ", got '" + s->value + "'");
        return std::nullopt;
    }
    return Located<net::Address>{*a, n.loc};
}

std::optional<Located<net::Prefix>> Reader::read_host_prefix(const Node& n, const std::string& path) {
    auto s = read_string(n, path);
    if (!s) return std::nullopt;
    auto p = net::Prefix::parse(s->value);
    if (!p || s->value.find('/') == std::string::npos) {
        error(n.loc, path, "invalid address '" + s->value + "'",
              "write the address with its prefix length, e.g. 192.168.1.1/24");
        return std::nullopt;
    }
    return Located<net::Prefix>{*p, n.loc};
}

void Reader::check_network(const Located<net::Prefix>& p, const std::string& written, const std::string& path) {
    if (auto typo = private_range_typo(*p, written)) {
        std::string msg = written + " is not a private range";
        std::string hint = "did you mean " + typo->meant.str() + "?";
        if (typo->certain)
            error(p.loc, path, msg, hint);
        else
            warning(p.loc, path, msg, hint);
        return;
    }
    if (p->has_host_bits())
        error(p.loc, path, "host bits set in " + written, "did you mean " + p->network().str() + "?");
}

std::optional<Located<net::Prefix>> Reader::read_network(const Node& n, const std::string& path) {
    auto s = read_string(n, path);
    if (!s) return std::nullopt;
    auto p = net::Prefix::parse(s->value);
    if (!p) {
        error(n.loc, path, "invalid address or prefix '" + s->value + "'");
        return std::nullopt;
    }
    Located<net::Prefix> out{*p, n.loc};
    check_network(out, s->value, path);
    out.value = p->network();
    return out;
}

std::vector<Located<net::Prefix>> Reader::read_networks(const Node& n, const std::string& path) {
    std::vector<Located<net::Prefix>> out;
    if (!expect_list(n, path)) return out;
    for (std::size_t i = 0; i < n.items.size(); ++i)
        if (auto p = read_network(n.items[i], join_path(path, i))) out.push_back(*p);
    return out;
}

AddressMatch Reader::read_address_list(const Node& n, const std::string& path) {
    AddressMatch out;
    auto one = [&](const Node& item, const std::string& p) {
        if (!item.is_scalar()) {
            error(item.loc, p, "expected an address, prefix or set name, got " + std::string(describe(item)));
            return;
        }
        if (looks_like_address(item.text)) {
            if (auto v = read_network(item, p)) out.prefixes.push_back(*v);
        } else if (auto v = read_name(item, p)) {
            out.sets.push_back(*v);
        }
    };
    if (!n.is_sequence()) {
        one(n, path);
        return out;
    }
    if (n.items.empty()) error(n.loc, path, "empty address list");
    for (std::size_t i = 0; i < n.items.size(); ++i) one(n.items[i], join_path(path, i));
    return out;
}

}  // namespace gw::config
