// keepalived's D-Bus API (org.keepalived.Vrrp1) read on the system bus:
// the State property of each instance, read when keepalived appears on
// the bus and after its VrrpStarted/VrrpReloaded signals, and the
// VrrpStatusChange signal of each transition. VrrpStopped and a lost bus
// name mean "not master". No notify scripts: keepalived is only asked and
// listened to, so reports cannot run concurrently or out of order. Replies
// to a read that a newer signal overtook are dropped (latest wins).
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemd/sd-bus.h>

#include "daemon/ha/role.hpp"
#include "daemon/loop/sd_objects.hpp"

namespace gw::ha {

inline constexpr const char* kKeepalivedName = "org.keepalived.Vrrp1";

class KeepalivedBus {
public:
    // A report for one instance, or (forget == true) for all of them.
    struct Report {
        InstanceKey key;
        VrrpRole role = VrrpRole::unknown;
        bool forget = false;
    };
    using OnReport = std::function<void(const Report&)>;

    static std::expected<std::unique_ptr<KeepalivedBus>, std::string> open(sd_event* event, OnReport on_report);
    void set_instances(std::vector<InstanceKey> keys);  // and read their state
    void read_all();

private:
    explicit KeepalivedBus(OnReport on_report) : on_report_(std::move(on_report)) {}
    std::expected<void, std::string> subscribe();
    void read_state(const InstanceKey& key);
    static int on_status_change(sd_bus_message* m, void* self, sd_bus_error* err);
    static int on_lifecycle(sd_bus_message* m, void* self, sd_bus_error* err);
    static int on_owner_changed(sd_bus_message* m, void* self, sd_bus_error* err);
    static int on_state_reply(sd_bus_message* m, void* self, sd_bus_error* err);

    loop::SdBusPtr bus_;
    std::vector<loop::SdBusSlotPtr> matches_;
    std::vector<InstanceKey> keys_;
    // Per object path: bumped by each signal, so an older read's reply is stale.
    std::map<std::string, std::uint64_t> generation_;
    struct PendingRead {
        KeepalivedBus* self;
        InstanceKey key;
        std::uint64_t generation;
    };
    std::map<sd_bus_slot*, std::pair<loop::SdBusSlotPtr, std::unique_ptr<PendingRead>>> reads_;
    OnReport on_report_;
};

}  // namespace gw::ha
