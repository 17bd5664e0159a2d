#include "rules/net/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace gw::net {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// One decimal octet at `p` (0..255, no leading zero), moving `p` past it.
bool read_octet(const char*& p, const char* end, std::uint8_t& out) {
    if (p == end || !is_digit(*p)) return false;
    unsigned value = static_cast<unsigned>(*p++ - '0');
    if (value != 0)  // "0" is the only octet that starts with 0
        for (int i = 0; i < 2 && p != end && is_digit(*p); ++i) value = value * 10 + static_cast<unsigned>(*p++ - '0');
    if (value > 255 || (p != end && is_digit(*p))) return false;
    out = static_cast<std::uint8_t>(value);
    return true;
}

// inet_pton(AF_INET, ...) by hand, with its exact grammar (glibc's
// inet_pton4): four dot-separated decimal octets, nothing else. A config of
// 10,000 forwards parses 10,000 target addresses, and inet_pton's copy to a
// C string and character-by-character state machine cost four times this.
std::optional<Address> parse_ipv4(std::string_view text) {
    Address a;
    a.family = Family::ipv4;
    const char* p = text.data();
    const char* end = p + text.size();
    for (std::size_t i = 0; i < 4; ++i) {
        if (i != 0 && (p == end || *p++ != '.')) return std::nullopt;
        if (!read_octet(p, end, a.bytes[i])) return std::nullopt;
    }
    if (p != end) return std::nullopt;
    return a;
}

}  // namespace

std::optional<Address> Address::parse(std::string_view text) {
    // inet_pton reads a C string: text past a NUL never counted.
    auto c_text = text.substr(0, text.find('\0'));
    if (text.find(':') == std::string_view::npos) return parse_ipv4(c_text);
    std::string s(c_text);
    Address a;
    a.family = Family::ipv6;
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
    return a;
}

std::string Address::str() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (family == Family::ipv4) {
        // By hand: glibc's inet_ntop formats IPv4 through sprintf, and a
        // rendered 10,000-forward ruleset holds 20,000 addresses.
        char* end = buf;
        for (int i = 0; i < 4; ++i) {
            if (i) *end++ = '.';
            end = std::to_chars(end, buf + sizeof buf, bytes[i]).ptr;
        }
        return std::string(buf, end);
    }
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
    return buf;
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
    auto slash = text.find('/');
    auto addr = Address::parse(text.substr(0, slash));
    if (!addr) return std::nullopt;
    Prefix p{*addr, addr->bits()};
    if (slash == std::string_view::npos) return p;
    auto len_text = text.substr(slash + 1);
    int len = -1;
    auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (ec != std::errc{} || end != len_text.data() + len_text.size() || len < 0 ||
        len > addr->bits())
        return std::nullopt;
    p.length = len;
    return p;
}

std::string Prefix::str() const {
    return address.str() + "/" + std::to_string(length);
}

// Byte-wise: whole bytes past the prefix are cleared/set at once, and only
// the byte the prefix ends in needs a mask.
Prefix Prefix::network() const {
    Prefix p = *this;
    auto bytes = address.size();
    for (std::size_t i = 0; i < bytes; ++i) {
        int bits = std::clamp(length - static_cast<int>(i * 8), 0, 8);
        p.address.bytes[i] &= static_cast<std::uint8_t>(0xff00u >> bits);
    }
    return p;
}

Address Prefix::last() const {
    Address a = address;
    auto bytes = a.size();
    for (std::size_t i = 0; i < bytes; ++i) {
        int bits = std::clamp(length - static_cast<int>(i * 8), 0, 8);
        a.bytes[i] |= static_cast<std::uint8_t>(0xffu >> bits);
    }
    return a;
}

// network() of both compared, without making them: the prefix's whole
// bytes equal, the masked bits of the byte it ends in equal, and the bytes
// past the family's (zero) equal too. Validating 10,000 forward targets
// against the inside networks spent most of its time here.
bool Prefix::contains(const Address& a) const {
    if (a.family != address.family) return false;
    auto len = static_cast<std::size_t>(std::clamp(length, 0, address.bits()));
    auto whole = len / 8;
    if (std::memcmp(a.bytes.data(), address.bytes.data(), whole) != 0) return false;
    if (len % 8 != 0) {
        auto mask = static_cast<std::uint8_t>(0xff00u >> (len % 8));
        if (((a.bytes[whole] ^ address.bytes[whole]) & mask) != 0) return false;
    }
    auto size = address.size();
    return std::memcmp(a.bytes.data() + size, address.bytes.data() + size, a.bytes.size() - size) == 0;
}

}  // namespace gw::net
