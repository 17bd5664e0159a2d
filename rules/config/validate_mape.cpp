// A port forward on a map-e uplink can only receive ports of the CE's port
// set: the border relay sends the CE nothing else. A port below the first
// block (0 to 2^(16-a) - 1) is in no CE's set under the rule; with a fixed
// end-user prefix the set itself is known and every port must be in it.
// Forwards that take every uplink are not refused: on a MAP-E uplink only
// the ports inside the set are forwarded (rules/nft/compile_mape.cpp).
#include "rules/config/sections.hpp"
#include "rules/mape/uplink.hpp"

namespace gw::config {
namespace {

// The first port outside the set in [first, last], or nullopt.
std::optional<std::uint32_t> port_outside(const PortRange& range, const mape::MapRule& rule,
                                          const std::optional<mape::CeFacts>& ce) {
    std::uint32_t first_block_port = 1u << (16 - rule.psid_offset);
    for (std::uint32_t p = range.first; p <= range.last; ++p) {
        if (ce ? !ce->holds_port(static_cast<std::uint16_t>(p)) : (rule.psid_offset > 0 && p < first_block_port))
            return p;
    }
    return std::nullopt;
}

void check_forward(Reader& r, const PortForward& fw, const Uplink& up, const std::string& path) {
    auto rule = mape::map_rule_of(*up.map_e);
    std::optional<mape::CeFacts> ce;
    if (up.map_e->end_user_prefix) ce = mape::derive_ce(rule, up.map_e->end_user_prefix->value);
    for (const auto& range : fw.ports) {
        auto outside = port_outside(range, rule, ce);
        if (!outside) continue;
        std::string port = std::to_string(*outside);
        if (ce)
            r.error(range.loc, path, "port " + port + " is outside the port set of map-e uplink '" + *up.name +
                                         "' (PSID " + std::to_string(ce->psid) + ")",
                    "its ports are " + mape::render_blocks(ce->blocks) + "; forward one of them, or this port on another uplink");
        else
            r.error(range.loc, path,
                    "port " + port + " is in no port set of map-e uplink '" + *up.name + "': ports 0-" +
                        std::to_string((1u << (16 - rule.psid_offset)) - 1) + " belong to no CE under psid-offset " +
                        std::to_string(rule.psid_offset),
                    "forward a port of the CE's set (gwctl status lists it), or this port on another uplink");
        return;  // one diagnostic per forward
    }
}

// A rule that failed its own checks was reported at its line already.
bool usable_rule(const Uplink& up) {
    auto rule = mape::map_rule_of(*up.map_e);
    return rule.ipv6.address.family == net::Family::ipv6 && rule.ipv4.address.family == net::Family::ipv4 &&
           !mape::check_rule(rule, std::nullopt);
}

}  // namespace

void validate_mape(Reader& r, const Config& cfg) {
    for (std::size_t i = 0; i < cfg.nat.forwards.size(); ++i) {
        const auto& fw = cfg.nat.forwards[i];
        for (const auto& name : fw.uplinks) {
            const auto* up = cfg.find_uplink(name.value);
            if (up && up->map_e && usable_rule(*up))
                check_forward(r, fw, *up, join_path("nat.forwards", i));
        }
    }
}

}  // namespace gw::config
