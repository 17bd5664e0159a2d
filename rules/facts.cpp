#include "rules/facts.hpp"

#include "rules/config/uplink_kinds.hpp"

namespace gw::rules {

std::string uplink_ifname(const config::Uplink& uplink, const Facts& facts) {
    if (auto it = facts.uplink_ifnames.find(uplink.name.value); it != facts.uplink_ifnames.end())
        return it->second;
    return default_uplink_ifname(uplink);
}

std::string default_uplink_ifname(const config::Uplink& uplink) {
    // A link the uplink's process makes is named after the uplink (pppd is
    // started with `ifname <uplink name>`); otherwise the traffic uses its device.
    return config::uplink_kind(uplink).link == config::UplinkLink::device ? uplink.device.value : uplink.name.value;
}

}  // namespace gw::rules
