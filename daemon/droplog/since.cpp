#include "daemon/droplog/since.hpp"

#include <charconv>
#include <ctime>
#include <string>

namespace gw::droplog {
namespace {

constexpr std::uint64_t kSecond = 1000000;

std::optional<std::uint64_t> number(std::string_view s) {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return n;
}

std::optional<std::uint64_t> unit_seconds(std::string_view unit) {
    if (unit == "s" || unit == "sec" || unit == "second" || unit == "seconds") return 1;
    if (unit == "m" || unit == "min" || unit == "minute" || unit == "minutes") return 60;
    if (unit == "h" || unit == "hour" || unit == "hours") return 3600;
    if (unit == "d" || unit == "day" || unit == "days") return 86400;
    return std::nullopt;
}

// "10min", "2 h": an age in microseconds.
std::optional<std::uint64_t> age(std::string_view s) {
    auto digits = s.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string_view::npos) return std::nullopt;
    auto n = number(s.substr(0, digits));
    auto rest = s.substr(digits);
    while (rest.starts_with(' ')) rest.remove_prefix(1);
    auto unit = unit_seconds(rest);
    if (!n || !unit) return std::nullopt;
    return *n * *unit * kSecond;
}

std::optional<std::uint64_t> local_time(std::string_view s) {
    std::tm tm{};
    std::string text(s);
    const char* end = strptime(text.c_str(), "%Y-%m-%d", &tm);
    if (end && *end == ' ') {
        const char* hm = strptime(end + 1, "%H:%M", &tm);
        end = hm && *hm == ':' ? strptime(hm + 1, "%S", &tm) : hm;
    }
    if (!end || *end != '\0') return std::nullopt;
    tm.tm_isdst = -1;
    std::time_t t = std::mktime(&tm);
    if (t < 0) return std::nullopt;
    return static_cast<std::uint64_t>(t) * kSecond;
}

}  // namespace

std::optional<std::uint64_t> parse_since(std::string_view text, std::uint64_t now_usec) {
    if (text.starts_with('@')) {
        auto n = number(text.substr(1));
        return n ? std::optional(*n * kSecond) : std::nullopt;
    }
    std::optional<std::uint64_t> before;
    if (text.starts_with('-')) before = age(text.substr(1));
    else if (text.ends_with(" ago")) before = age(text.substr(0, text.size() - 4));
    else if (text.find('-') == std::string_view::npos) before = age(text);
    if (before) return *before > now_usec ? 0 : now_usec - *before;
    return local_time(text);
}

}  // namespace gw::droplog
