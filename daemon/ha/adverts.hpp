// The peer's VRRP adverts, heard on the wire: a raw IPv4 socket for
// protocol 112 (keepalived's D-Bus API says this box's role, not when the
// other router last spoke), in the group 224.0.0.18 on each instance's
// link. Per (link, VRID) the latest advert's source, priority and time;
// status shows those not sent from this box's own addresses.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include <systemd/sd-event.h>

#include "daemon/loop/sd_objects.hpp"

namespace gw::ha {

struct HeardAdvert {
    std::string source;
    std::uint32_t priority = 0;
    std::chrono::system_clock::time_point when;
};

class AdvertListener {
public:
    static std::unique_ptr<AdvertListener> open(sd_event* event);  // null when raw sockets are not allowed
    ~AdvertListener();
    // Joins the VRRP group on these links (kernel names); others are left.
    // Adverts from `own` addresses (this box's, looped back) are not the peer's.
    void watch(const std::set<std::string>& links, std::set<std::string> own);
    const HeardAdvert* last(const std::string& link, std::uint32_t vrid) const;

private:
    AdvertListener() = default;
    static int on_readable(sd_event_source* s, int fd, std::uint32_t revents, void* self);
    void read_one();

    int fd_ = -1;
    loop::SdEventSourcePtr source_;
    std::set<std::string> joined_;
    std::set<std::string> own_;
    std::map<std::pair<std::string, std::uint32_t>, HeardAdvert> heard_;
};

}  // namespace gw::ha
