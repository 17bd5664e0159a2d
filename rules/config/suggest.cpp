// Typo detection. Edit distances are small-string work; the candidate lists
// are the keys valid at one place or the names of one kind of object.
//
// Private-range typos (176.16.0.0/12 for 172.16.0.0/12): the written prefix
// is compared with the same prefix whose leading bits are replaced by each
// private range's bits. It is an ERROR when the prefix has exactly the
// private range's own length (a public /12 spelt one digit away from
// 172.16.0.0/12 is never meant) and a WARNING for longer prefixes, which can
// be real public networks (192.169.5.0/24). Host addresses are not checked.
#include "rules/config/suggest.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace gw::config {

int edit_distance(std::string_view a, std::string_view b) {
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[n][m];
}

namespace {

template <class Seq>
std::optional<std::string> closest_in(std::string_view word, const Seq& candidates) {
    // Long words tolerate more edits; a one-letter word matches nothing.
    const int limit = word.size() <= 3 ? 1 : word.size() <= 8 ? 2 : 3;
    std::optional<std::string> best;
    int best_d = limit + 1;
    for (const auto& c : candidates) {
        std::string_view cv(c);
        if (cv == word) continue;
        int d = edit_distance(word, cv);
        if (d < best_d && d < static_cast<int>(std::max(word.size(), cv.size()))) {
            best_d = d;
            best = std::string(cv);
        }
    }
    return best;
}

template <class Seq>
std::string did_you_mean_in(std::string_view word, const Seq& candidates) {
    auto c = closest_in(word, candidates);
    return c ? "did you mean '" + *c + "'?" : std::string{};
}

struct PrivateRange {
    std::string_view text;
    int max_edits;  // longer range texts tolerate two edits (192.186 for 192.168)
};

constexpr std::array kPrivate{
    PrivateRange{"10.0.0.0/8", 1},     PrivateRange{"172.16.0.0/12", 2},
    PrivateRange{"192.168.0.0/16", 2}, PrivateRange{"100.64.0.0/10", 2},
    PrivateRange{"fd00::/8", 1},
};

// Ranges a prefix may legitimately lie in: no typo check inside them. A
// prefix that only covers one (fe00::/8 covers fe80::/10) is still checked.
constexpr std::array<std::string_view, 17> kSpecial{
    "0.0.0.0/8",      "10.0.0.0/8",      "100.64.0.0/10",  "127.0.0.0/8",  "169.254.0.0/16",
    "172.16.0.0/12",  "192.0.0.0/24",    "192.0.2.0/24",   "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",    "240.0.0.0/4",  "fc00::/7",
    "fe80::/10",      "2001:db8::/32",
};

bool in_special_range(const net::Prefix& p) {
    return std::any_of(kSpecial.begin(), kSpecial.end(), [&](std::string_view s) {
        auto r = net::Prefix::parse(s);
        return r && r->contains(p);
    });
}

// `p` with its first `r.length` bits taken from `r`.
net::Prefix graft(const net::Prefix& p, const net::Prefix& r) {
    net::Prefix out = p.network();
    for (int i = 0; i < r.length; ++i) {
        auto byte = static_cast<std::size_t>(i / 8);
        auto bit = static_cast<std::uint8_t>(0x80u >> (i % 8));
        if (r.address.bytes[byte] & bit)
            out.address.bytes[byte] |= bit;
        else
            out.address.bytes[byte] &= static_cast<std::uint8_t>(~bit);
    }
    return out;
}

}  // namespace

std::optional<std::string> closest(std::string_view word, std::span<const std::string_view> c) {
    return closest_in(word, c);
}
std::optional<std::string> closest(std::string_view word, std::span<const std::string> c) {
    return closest_in(word, c);
}
std::string did_you_mean(std::string_view word, std::span<const std::string_view> c) {
    return did_you_mean_in(word, c);
}
std::string did_you_mean(std::string_view word, std::span<const std::string> c) {
    return did_you_mean_in(word, c);
}

std::optional<RangeTypo> private_range_typo(const net::Prefix& p, std::string_view written) {
    if (p.length >= p.address.bits() || in_special_range(p.network())) return std::nullopt;
    std::string lower(written);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::optional<RangeTypo> best;
    int best_d = 1000;
    for (const auto& pr : kPrivate) {
        auto r = net::Prefix::parse(pr.text);
        if (!r || r->address.family != p.address.family || p.length < r->length) continue;
        net::Prefix meant = graft(p, *r);
        int d = edit_distance(lower, meant.str());
        if (d > pr.max_edits || d >= best_d) continue;
        best_d = d;
        best = RangeTypo{meant, p.length == r->length};
    }
    return best;
}

}  // namespace gw::config
