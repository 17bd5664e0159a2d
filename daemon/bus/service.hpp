// The daemon on the system bus: net.gatewayd.Gateway1 at
// /net/gatewayd/Gateway1. Methods Apply, Confirm, Diff, Check, Reload and
// Status call the Controller; properties State, Uplinks and LastApply read
// it; the Applied signal follows every reconcile that changed or failed.
// Every handler checks the caller (access.hpp) and catches every exception,
// since none may cross sd-bus's C frames. Nothing secret is ever sent: the
// Controller's answers hold config text, diffs and paths, never the
// contents of a password file.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "daemon/loop/sd_objects.hpp"
#include "daemon/reconcile/controller.hpp"

namespace gw::bus {

class BusService {
public:
    // Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS when set), exports
    // the object, takes the name and attaches to the event loop.
    static std::expected<std::unique_ptr<BusService>, std::string> open(
        sd_event* event, reconcile::Controller& controller, std::string reader_group);

    // The Applied signal and the property change notifications.
    void announce(const status::ApplyRecord& record);

    reconcile::Controller& controller() { return controller_; }
    const std::string& reader_group() const { return reader_group_; }

private:
    BusService(reconcile::Controller& controller, std::string reader_group)
        : controller_(controller), reader_group_(std::move(reader_group)) {}

    loop::SdBusPtr bus_;
    loop::SdBusSlotPtr slot_;
    reconcile::Controller& controller_;
    std::string reader_group_;
};

// The vtable, defined with its handlers in methods.cpp.
extern const sd_bus_vtable kGatewayVtable[];

}  // namespace gw::bus
