// Every uplink kind in one table: its word in the config, the keys only it
// accepts and its parser section, the link its traffic leaves by, whether
// the daemon supervises a process for it, its default routes and how its
// state reads. The parser, both compilers,
// the supervisor and status read this table instead of switching on the
// kind, so a new kind is an enum value, one entry here, its parser section
// and its module (README, Design).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "rules/config/model.hpp"

namespace gw::config {

class Reader;
struct Node;

// The link an uplink's traffic leaves by.
enum class UplinkLink {
    device,   // its `device` itself: `mtu` and the device's config addresses are the uplink's
    process,  // a link named after the uplink, made by its supervised process (pppd's ppp link)
    tunnel,   // a link named after the uplink that gatewayd creates itself (MAP-E's ip6tnl)
};

// When compilation counts the uplink as up, and so how its status reads.
enum class UplinkUp {
    always,          // as up as its device: status shows the link's up, down or absent
    when_addressed,  // once its link holds an address: status shows up, connecting or down
};

// Its default routes, in its own table (and main when it carries the default).
enum class UplinkRoute {
    via_gateways,       // via `gateway` and `gateway6` on its device
    on_link_with_ipv4,  // IPv4 on its link once that holds an IPv4 address; IPv6 by RA
};

using ParseUplinkKind = void (*)(Reader& r, const Node& n, const std::string& path, Uplink& up);

struct UplinkKindInfo {
    UplinkKind kind;
    std::string_view name;                   // `kind:` in the config, and in status
    std::span<const std::string_view> keys;  // the keys only this kind accepts
    ParseUplinkKind parse;                   // reads those keys (parse_uplinks.cpp)
    UplinkLink link;
    bool supervised;  // the daemon runs and restarts a process for it (daemon/uplinks/)
    UplinkRoute route;
    UplinkUp up;
};

std::span<const UplinkKindInfo> uplink_kinds();
const UplinkKindInfo& uplink_kind(UplinkKind kind);
inline const UplinkKindInfo& uplink_kind(const Uplink& u) { return uplink_kind(u.kind.value); }

}  // namespace gw::config
