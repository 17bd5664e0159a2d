#include "daemon/ha/keepalived_bus.hpp"

#include <cstring>

#include "daemon/loop/log.hpp"

namespace gw::ha {

namespace {

constexpr const char* kInstanceInterface = "org.keepalived.Vrrp1.Instance";
constexpr const char* kVrrpInterface = "org.keepalived.Vrrp1.Vrrp";
constexpr const char* kVrrpPath = "/org/keepalived/Vrrp1/Vrrp";

std::string failure(const char* what, int rc) { return std::string(what) + ": " + std::strerror(-rc); }

}  // namespace

std::expected<std::unique_ptr<KeepalivedBus>, std::string> KeepalivedBus::open(sd_event* event, OnReport on_report) {
    std::unique_ptr<KeepalivedBus> self(new KeepalivedBus(std::move(on_report)));
    sd_bus* bus = nullptr;
    if (int rc = sd_bus_open_system(&bus); rc < 0) return std::unexpected(failure("connect to the system bus", rc));
    self->bus_.reset(bus);
    if (auto ok = self->subscribe(); !ok) return std::unexpected(ok.error());
    if (int rc = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL); rc < 0)
        return std::unexpected(failure("attach the bus to the event loop", rc));
    return self;
}

std::expected<void, std::string> KeepalivedBus::subscribe() {
    auto add = [this](const char* rule, sd_bus_message_handler_t handler) -> std::expected<void, std::string> {
        sd_bus_slot* slot = nullptr;
        if (int rc = sd_bus_add_match(bus_.get(), &slot, rule, handler, this); rc < 0)
            return std::unexpected(failure("subscribe to keepalived's signals", rc));
        matches_.emplace_back(slot);
        return {};
    };
    std::string ns = std::string("type='signal',interface='") + kInstanceInterface + "',member='VrrpStatusChange'";
    std::string life = std::string("type='signal',interface='") + kVrrpInterface + "',path='" + kVrrpPath + "'";
    std::string owner = std::string("type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                                    "member='NameOwnerChanged',arg0='") + kKeepalivedName + "'";
    if (auto ok = add(ns.c_str(), on_status_change); !ok) return ok;
    if (auto ok = add(life.c_str(), on_lifecycle); !ok) return ok;
    return add(owner.c_str(), on_owner_changed);
}

void KeepalivedBus::set_instances(std::vector<InstanceKey> keys) {
    keys_ = std::move(keys);
    read_all();
}

void KeepalivedBus::read_all() {
    for (const auto& k : keys_) read_state(k);
}

void KeepalivedBus::read_state(const InstanceKey& key) {
    auto path = key.object_path();
    auto pending = std::make_unique<PendingRead>(PendingRead{this, key, generation_[path]});
    sd_bus_slot* slot = nullptr;
    int rc = sd_bus_call_method_async(bus_.get(), &slot, kKeepalivedName, path.c_str(), "org.freedesktop.DBus.Properties",
                                      "Get", on_state_reply, pending.get(), "ss", kInstanceInterface, "State");
    if (rc < 0) {
        loop::log_debug(failure("keepalived: cannot ask for the state", rc));
        return;
    }
    reads_[slot] = {loop::SdBusSlotPtr(slot), std::move(pending)};
}

int KeepalivedBus::on_state_reply(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* pending = static_cast<PendingRead*>(userdata);
    KeepalivedBus* self = pending->self;
    Report report{pending->key, VrrpRole::unknown, false};
    bool stale = self->generation_[pending->key.object_path()] != pending->generation;
    if (!sd_bus_message_is_method_error(m, nullptr)) {
        std::uint32_t state = 0;
        const char* name = nullptr;
        if (sd_bus_message_read(m, "v", "(us)", &state, &name) >= 0) report.role = role_from_keepalived(state);
    }
    // Not there (yet): keepalived is not on the bus or does not know the
    // instance; both mean "not master", which unknown already says.
    auto it = self->reads_.find(sd_bus_get_current_slot(self->bus_.get()));
    if (!stale) self->on_report_(report);
    // sd-bus holds its own reference while this callback runs.
    if (it != self->reads_.end()) self->reads_.erase(it);
    return 0;
}

int KeepalivedBus::on_status_change(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<KeepalivedBus*>(userdata);
    std::string path = sd_bus_message_get_path(m) ? sd_bus_message_get_path(m) : "";
    std::uint32_t state = 0;
    if (sd_bus_message_read(m, "u", &state) < 0) return 0;
    for (const auto& k : self->keys_) {
        if (k.object_path() != path) continue;
        ++self->generation_[path];
        self->on_report_({k, role_from_keepalived(state), false});
    }
    return 0;
}

int KeepalivedBus::on_lifecycle(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<KeepalivedBus*>(userdata);
    const char* member = sd_bus_message_get_member(m);
    if (member && std::strcmp(member, "VrrpStopped") == 0) {
        for (auto& [path, gen] : self->generation_) ++gen;
        self->on_report_({{}, VrrpRole::unknown, true});
    } else {
        self->read_all();  // VrrpStarted, VrrpReloaded
    }
    return 0;
}

int KeepalivedBus::on_owner_changed(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<KeepalivedBus*>(userdata);
    const char *name = nullptr, *old_owner = nullptr, *new_owner = nullptr;
    if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0) return 0;
    if (new_owner && *new_owner) {
        self->read_all();
        return 0;
    }
    for (auto& [path, gen] : self->generation_) ++gen;
    self->on_report_({{}, VrrpRole::unknown, true});
    return 0;
}

}  // namespace gw::ha
