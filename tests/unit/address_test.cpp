// Address::parse reads IPv4 by hand: it must accept and reject exactly what
// inet_pton(AF_INET) does, which it replaced. Prefix::contains compares
// bytes in place: it must agree with comparing the two networks.
#include <doctest/doctest.h>
#include <arpa/inet.h>

#include <random>
#include <string>

#include "rules/net/address.hpp"

namespace gw::net {

namespace {

// What inet_pton makes of `text` (as a C string), in Address::parse's terms.
std::optional<Address> by_inet_pton(const std::string& text) {
    Address a;
    if (text.find(':') != std::string::npos) {
        a.family = Family::ipv6;
        if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) != 1) return std::nullopt;
        return a;
    }
    if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) != 1) return std::nullopt;
    return a;
}

void check_same(const std::string& text) {
    INFO("'" << text << "'");
    CHECK(Address::parse(text) == by_inet_pton(text));
}

}  // namespace

TEST_CASE("Address::parse agrees with inet_pton on written cases") {
    for (const char* text :
         {"172.16.1.100", "0.0.0.0", "255.255.255.255", "1.2.3.4", "256.1.1.1", "1.2.3.256", "01.2.3.4",
          "1.2.3.04", "1.2.3.0", "00.1.2.3", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.4.5", "1.2.3.4 ",
          " 1.2.3.4", "1.2.3.-4", "+1.2.3.4", "1.2.3.4/24", "0x1.2.3.4", "1e2.1.1.1", "999.1.1.1", "1000.1.1.1",
          "", ".", "1", "1.2.3.4a", "::1", "fe80::1", "2001:db8::1", "::ffff:1.2.3.4", "1.2.3.4:80", ":"})
        check_same(text);
    // inet_pton stops at a NUL; the text before it decides.
    check_same(std::string("1.2.3.4\0junk", 12));
    CHECK(Address::parse(std::string_view("1.2.3.4\0junk", 12)) == Address::parse("1.2.3.4"));
    CHECK(Address::parse(std::string_view("1.2\0.3.4", 8)) == std::nullopt);
}

TEST_CASE("Address::parse agrees with inet_pton on generated texts") {
    std::mt19937 rng(18);
    const std::string alphabet = "0123456789....x";
    int accepted = 0;
    for (int i = 0; i < 200000; ++i) {
        std::string text(rng() % 17, ' ');
        for (auto& c : text) c = alphabet[rng() % alphabet.size()];
        auto ours = Address::parse(text);
        if (ours != by_inet_pton(text)) {
            check_same(text);
            break;
        }
        accepted += ours.has_value();
    }
    CHECK(accepted > 100);  // the texts reach the accepting paths too
    for (unsigned v = 0; v < 1000; ++v)
        for (const auto& octet : {std::to_string(v), "0" + std::to_string(v), "00" + std::to_string(v)})
            check_same("10." + octet + ".0.1");
}

TEST_CASE("Prefix::contains agrees with comparing both networks") {
    // The definition it replaced, kept here as the reference.
    auto by_networks = [](const Prefix& p, const Address& a) {
        if (a.family != p.address.family) return false;
        return Prefix{a, p.length}.network().address == p.network().address;
    };
    std::mt19937 rng(18);
    int inside = 0;
    for (int i = 0; i < 100000; ++i) {
        Address base, other;
        base.family = rng() % 4 == 0 ? Family::ipv6 : Family::ipv4;
        other.family = rng() % 16 == 0 ? (base.family == Family::ipv4 ? Family::ipv6 : Family::ipv4) : base.family;
        for (std::size_t b = 0; b < base.size(); ++b) base.bytes[b] = static_cast<std::uint8_t>(rng());
        other.bytes = base.bytes;
        // Differ in one random bit of the family's bytes, or not at all.
        if (rng() % 2) {
            auto bit = rng() % (base.size() * 8);
            other.bytes[bit / 8] ^= static_cast<std::uint8_t>(0x80u >> (bit % 8));
        }
        Prefix p{base, static_cast<int>(rng() % (base.bits() + 1))};
        INFO(p.str() << " contains " << other.str());
        REQUIRE(p.contains(other) == by_networks(p, other));
        inside += p.contains(other);
    }
    CHECK(inside > 1000);
    CHECK(Prefix::parse("172.16.0.0/16")->contains(*Address::parse("172.16.255.1")));
    CHECK_FALSE(Prefix::parse("172.16.0.0/12")->contains(*Address::parse("172.32.0.1")));
    CHECK(Prefix::parse("0.0.0.0/0")->contains(*Address::parse("8.8.8.8")));
    CHECK_FALSE(Prefix::parse("0.0.0.0/0")->contains(*Address::parse("::1")));
}

}  // namespace gw::net
