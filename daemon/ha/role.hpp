// The VRRP role as one desired-state value. Each instance's latest report
// (a VrrpStatusChange signal, or the State property read after keepalived
// started or reloaded) replaces the one before; a stopped keepalived or a
// lost bus name forgets them all. This box is MASTER only while every
// configured instance says MASTER: anything else (BACKUP, FAULT, INIT,
// unknown) holds the only-on-master uplinks back. Pure; tested by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gw::ha {

enum class VrrpRole {
    unknown,  // keepalived not on the bus, or not asked yet
    init,     // 0: keepalived's VRRP_STATE_INIT
    backup,   // 1: VRRP_STATE_BACK
    master,   // 2: VRRP_STATE_MAST
    fault,    // 3: VRRP_STATE_FAULT
};
VrrpRole role_from_keepalived(std::uint32_t state);
std::string role_name(VrrpRole r);

// keepalived's D-Bus object of one instance:
// /org/keepalived/Vrrp1/Instance/<ifname>/<vrid>/<IPv4|IPv6>.
struct InstanceKey {
    std::string ifname;
    std::uint32_t vrid = 0;
    bool ipv6 = false;
    std::string object_path() const;
    friend auto operator<=>(const InstanceKey&, const InstanceKey&) = default;
};

class RoleBook {
public:
    using Time = std::chrono::system_clock::time_point;

    // The instances of the config; reports about others are ignored.
    void set_instances(const std::vector<InstanceKey>& keys);
    // Latest wins; returns true when the box's role (master()) changed.
    bool report(const InstanceKey& key, VrrpRole role, Time now);
    bool forget_all(Time now);  // keepalived stopped or left the bus

    bool master() const;
    VrrpRole role(const InstanceKey& key) const;
    std::optional<Time> since(const InstanceKey& key) const;

private:
    struct Entry {
        VrrpRole role = VrrpRole::unknown;
        std::optional<Time> since;
    };
    std::map<InstanceKey, Entry> entries_;
};

}  // namespace gw::ha
