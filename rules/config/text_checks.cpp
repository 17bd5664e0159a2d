#include "rules/config/text_checks.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <cstdio>

namespace gw::config {

namespace {

unsigned char byte_at(std::string_view text, std::size_t at) {
    return at < text.size() ? static_cast<unsigned char>(text[at]) : 0;
}

bool continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

Loc loc_at(std::string_view text, std::size_t at) {
    auto head = text.substr(0, at);
    auto line_start = head.rfind('\n');
    int line = 1 + static_cast<int>(std::count(head.begin(), head.end(), '\n'));
    int col = static_cast<int>(at - (line_start == std::string_view::npos ? 0 : line_start + 1)) + 1;
    return {line, col};
}

std::string hex_byte(unsigned char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", c);
    return buf;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
    unsigned char c = byte_at(text, at);
    if (at >= text.size()) return 0;
    if (c < 0x80) return 1;
    // Lead bytes and the range allowed for the byte after them (RFC 3629).
    unsigned char lo = 0x80, hi = 0xbf;
    std::size_t length = 0;
    if (c >= 0xc2 && c <= 0xdf) length = 2;
    else if (c == 0xe0) length = 3, lo = 0xa0;
    else if (c == 0xed) length = 3, hi = 0x9f;
    else if (c >= 0xe1 && c <= 0xef) length = 3;
    else if (c == 0xf0) length = 4, lo = 0x90;
    else if (c == 0xf4) length = 4, hi = 0x8f;
    else if (c >= 0xf1 && c <= 0xf3) length = 4;
    else return 0;
    unsigned char second = byte_at(text, at + 1);
    if (at + 1 >= text.size() || second < lo || second > hi) return 0;
    for (std::size_t i = 2; i < length; ++i)
        if (at + i >= text.size() || !continuation(byte_at(text, at + i))) return 0;
    return length;
}

namespace {

// The 8 bytes at `p` are ASCII and none is NUL: a config is almost all
// such text, checked a word at a time rather than byte by byte.
bool plain_ascii_word(const char* p) {
    constexpr std::uint64_t kHigh = 0x8080808080808080ull;
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return ((v | ((v - kOnes) & ~v)) & kHigh) == 0;  // no high bit set, no zero byte
}

}  // namespace

bool check_text(std::string_view text, Diagnostics& diags) {
    for (std::size_t at = 0; at < text.size();) {
        if (text.size() - at >= 8 && plain_ascii_word(text.data() + at)) {
            at += 8;
            continue;
        }
        if (text[at] == '\0') {
            // yaml-cpp 0.7 mis-scans a NUL byte (inside a comment it ends in
            // an unbounded allocation), and no text file has one.
            diags.error(loc_at(text, at), "", "the file contains a NUL byte", "a config is a text file");
            diags.hide_source();
            return false;
        }
        auto length = utf8_sequence_length(text, at);
        if (length == 0) {
            diags.error(loc_at(text, at), "", "invalid UTF-8 (byte " + hex_byte(byte_at(text, at)) + ")",
                        "a config is UTF-8 text; re-save the file as UTF-8");
            diags.hide_source();
            return false;
        }
        at += length;
    }
    return true;
}

}  // namespace gw::config
