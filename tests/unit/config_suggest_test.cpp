// Typo help: edit distance, closest key, and mistyped private ranges.
#include <doctest/doctest.h>

#include <array>

#include "rules/config/suggest.hpp"

using namespace gw::config;

TEST_CASE("edit distance counts an adjacent swap as one edit") {
    CHECK(edit_distance("device", "device") == 0);
    CHECK(edit_distance("devcie", "device") == 1);
    CHECK(edit_distance("pasword-file", "password-file") == 1);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("closest picks a near key and refuses far ones") {
    std::array<std::string_view, 4> keys{"device", "addresses", "mtu", "routes"};
    CHECK(closest("devcie", keys) == "device");
    CHECK(closest("adresses", keys) == "addresses");
    CHECK(closest("mut", keys) == "mtu");
    CHECK_FALSE(closest("colour", keys).has_value());
    CHECK_FALSE(closest("x", keys).has_value());
    CHECK(did_you_mean("route", keys) == "did you mean 'routes'?");
    CHECK(did_you_mean("zzzzzz", keys).empty());
}

TEST_CASE("private range typos") {
    struct Case {
        const char* written;
        const char* meant;  // nullptr: no typo reported
        bool certain;
    };
    const Case cases[] = {
        {"176.16.0.0/12", "172.16.0.0/12", true},
        {"172.32.0.0/12", "172.16.0.0/12", true},
        {"192.186.0.0/16", "192.168.0.0/16", true},
        {"100.0.0.0/8", "10.0.0.0/8", true},
        {"100.46.0.0/10", "100.64.0.0/10", true},
        {"fe00::/8", "fd00::/8", true},
        {"176.16.1.0/24", "172.16.1.0/24", false},
        {"192.169.5.0/24", "192.168.5.0/24", false},
        // correct private ranges and ordinary public networks are left alone
        {"172.16.0.0/12", nullptr, false},
        {"10.1.0.0/16", nullptr, false},
        {"fd12:3456::/48", nullptr, false},
        {"8.8.8.0/24", nullptr, false},
        {"2001:db8::/32", nullptr, false},
        {"0.0.0.0/0", nullptr, false},
        // host addresses are never checked
        {"176.16.0.1/32", nullptr, false},
    };
    for (const auto& c : cases) {
        INFO(c.written);
        auto p = gw::net::Prefix::parse(c.written);
        REQUIRE(p.has_value());
        auto typo = private_range_typo(*p, c.written);
        if (!c.meant) {
            CHECK_FALSE(typo.has_value());
            continue;
        }
        REQUIRE(typo.has_value());
        CHECK(typo->meant.str() == c.meant);
        CHECK(typo->certain == c.certain);
    }
}
