// IPv4/IPv6 addresses and prefixes as plain values: parsing, printing and
// the few predicates validation and compilation need. Pure; no sockets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw::net {

enum class Family : std::uint8_t { ipv4, ipv6 };

struct Address {
    Family family = Family::ipv4;
    std::array<std::uint8_t, 16> bytes{};  // ipv4 uses the first 4

    static std::optional<Address> parse(std::string_view text);
    std::string str() const;
    int bits() const { return family == Family::ipv4 ? 32 : 128; }
    std::size_t size() const { return family == Family::ipv4 ? 4 : 16; }
    friend auto operator<=>(const Address&, const Address&) = default;
};

struct Prefix {
    Address address;  // as written; may have host bits set (see network())
    int length = 0;

    // "a.b.c.d/n", "x::/n", or a bare address (full-length prefix).
    static std::optional<Prefix> parse(std::string_view text);
    std::string str() const;
    Prefix network() const;            // host bits cleared
    bool has_host_bits() const { return network().address != address; }
    bool contains(const Address& a) const;
    bool contains(const Prefix& p) const { return p.length >= length && contains(p.address); }
    bool overlaps(const Prefix& p) const { return contains(p) || p.contains(*this); }
    Address last() const;              // highest address in the prefix
    friend auto operator<=>(const Prefix&, const Prefix&) = default;
};

// "172.16.0.0/12" style ranges every operator knows by heart.
struct WellKnownRange {
    std::string_view name;  // "rfc1918", "loopback", ...
    std::string_view prefix;
};

}  // namespace gw::net
