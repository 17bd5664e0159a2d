#include "rules/facts.hpp"

namespace gw::rules {

std::string uplink_ifname(const config::Uplink& uplink, const Facts& facts) {
    if (auto it = facts.uplink_ifnames.find(uplink.name.value); it != facts.uplink_ifnames.end())
        return it->second;
    return default_uplink_ifname(uplink);
}

std::string default_uplink_ifname(const config::Uplink& uplink) {
    // pppd is started with `ifname <uplink name>`; a next-hop uplink is its device.
    return uplink.kind.value == config::UplinkKind::pppoe ? uplink.name.value : uplink.device.value;
}

}  // namespace gw::rules
