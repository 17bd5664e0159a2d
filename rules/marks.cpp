#include "rules/marks.hpp"

namespace gw::rules {

bool uses_connection_marks(const config::Config& cfg) {
    return cfg.routing.reply_via_ingress.value && cfg.uplinks.size() > 1;
}

std::map<std::string, std::uint32_t, std::less<>> uplink_marks(const config::Config& cfg) {
    std::map<std::string, std::uint32_t, std::less<>> marks;
    if (!uses_connection_marks(cfg)) return marks;
    // Validation keeps the count within kMaxMarkedUplinks; the bound here
    // only guarantees a mark never spills out of its byte.
    for (std::size_t i = 0; i < cfg.uplinks.size() && i < kMaxMarkedUplinks; ++i)
        marks[cfg.uplinks[i].name.value] = static_cast<std::uint32_t>(i + 1) << kUplinkMarkShift;
    return marks;
}

}  // namespace gw::rules
