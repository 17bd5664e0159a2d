// `gwctl log --since TIME`: the moment a time argument names, in
// microseconds since the epoch (the journal's realtime clock). Pure: the
// current time is an argument. Accepted: "2026-12-07", "2026-12-07 08:30"
// and "... 08:30:15" (local time), "@1765096215" (epoch seconds), and ages
// before now: "-10min", "10min ago", "2h", "1d" (units s, min, h, d).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace gw::droplog {

std::optional<std::uint64_t> parse_since(std::string_view text, std::uint64_t now_usec);

}  // namespace gw::droplog
