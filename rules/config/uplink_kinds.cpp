#include "rules/config/uplink_kinds.hpp"

#include <iterator>

#include "rules/config/sections.hpp"

namespace gw::config {
namespace {

constexpr std::string_view kPppoeKeys[] = {"username", "password-file", "service", "ac-name", "lcp-echo"};
constexpr std::string_view kNextHopKeys[] = {"gateway", "gateway6"};
constexpr std::string_view kMapEKeys[] = {"profile", "br", "rule", "legacy", "end-user-prefix"};

// In the order of UplinkKind.
constexpr UplinkKindInfo kKinds[] = {
    {
        .kind = UplinkKind::pppoe,
        .name = "pppoe",
        .keys = kPppoeKeys,
        .parse = parse_pppoe_uplink,
        .link = UplinkLink::process,
        .supervised = true,
        .route = UplinkRoute::on_link_with_ipv4,
        .up = UplinkUp::when_addressed,
    },
    {
        .kind = UplinkKind::next_hop,
        .name = "next-hop",
        .keys = kNextHopKeys,
        .parse = parse_next_hop_uplink,
        .link = UplinkLink::device,
        .supervised = false,
        .route = UplinkRoute::via_gateways,
        .up = UplinkUp::always,
    },
    {
        // The tunnel carries the CE's IPv4 address once the end-user prefix
        // is known; from then on it routes like a PPPoE link.
        .kind = UplinkKind::map_e,
        .name = "map-e",
        .keys = kMapEKeys,
        .parse = parse_map_e_uplink,
        .link = UplinkLink::tunnel,
        .supervised = false,
        .route = UplinkRoute::on_link_with_ipv4,
        .up = UplinkUp::when_addressed,
    },
};

// uplink_kind() indexes the table by the enum's value.
constexpr bool in_enum_order() {
    for (std::size_t i = 0; i < std::size(kKinds); ++i)
        if (static_cast<std::size_t>(kKinds[i].kind) != i) return false;
    return true;
}
static_assert(in_enum_order(), "kKinds must list the kinds in the order of UplinkKind");

}  // namespace

std::span<const UplinkKindInfo> uplink_kinds() { return kKinds; }

const UplinkKindInfo& uplink_kind(UplinkKind kind) { return kKinds[static_cast<std::size_t>(kind)]; }

}  // namespace gw::config
