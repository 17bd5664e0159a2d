#include "daemon/bus/service.hpp"

#include <cstring>

#include "daemon/bus/names.hpp"
#include "daemon/loop/log.hpp"

namespace gw::bus {
namespace {

std::string failure(const char* what, int rc) { return std::string(what) + ": " + std::strerror(-rc); }

}  // namespace

std::expected<std::unique_ptr<BusService>, std::string> BusService::open(
    sd_event* event, reconcile::Controller& controller, std::string reader_group) {
    std::unique_ptr<BusService> self(new BusService(controller, std::move(reader_group)));
    sd_bus* bus = nullptr;
    if (int rc = sd_bus_open_system(&bus); rc < 0) return std::unexpected(failure("connect to the system bus", rc));
    self->bus_.reset(bus);
    sd_bus_slot* slot = nullptr;
    if (int rc = sd_bus_add_object_vtable(bus, &slot, kObjectPath, kInterface, kGatewayVtable, self.get()); rc < 0)
        return std::unexpected(failure("export the bus object", rc));
    self->slot_.reset(slot);
    if (int rc = sd_bus_request_name(bus, kBusName, 0); rc < 0)
        return std::unexpected(failure((std::string("take the name ") + kBusName).c_str(), rc));
    // A lost bus means a restarted dbus-daemon: the daemon exits and
    // systemd restarts it (the kernel state stays as it is meanwhile).
    sd_bus_set_exit_on_disconnect(bus, 1);
    if (int rc = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL); rc < 0)
        return std::unexpected(failure("attach the bus to the event loop", rc));
    return self;
}

void BusService::announce(const status::ApplyRecord& r) {
    int rc = sd_bus_emit_signal(bus_.get(), kObjectPath, kInterface, "Applied", "bbss", r.ok, r.changed,
                                r.trigger.c_str(), r.result.c_str());
    if (rc >= 0)
        rc = sd_bus_emit_properties_changed(bus_.get(), kObjectPath, kInterface, "State", "LastApply",
                                            "Uplinks", nullptr);
    if (rc < 0) loop::log_warning(failure("cannot emit Applied", rc));
}

}  // namespace gw::bus
