// The handlers behind kGatewayVtable. Each one checks the caller, reads its
// arguments, asks the Controller and replies; Controller errors become
// net.gatewayd.Gateway1.Error.* replies carrying the operator-facing text.
#include <chrono>
#include <exception>
#include <functional>

#include "daemon/bus/access.hpp"
#include "daemon/bus/names.hpp"
#include "daemon/bus/service.hpp"
#include "daemon/loop/sd_objects.hpp"

namespace gw::bus {
namespace {

BusService& self(void* userdata) { return *static_cast<BusService*>(userdata); }

// No exception may unwind through sd-bus.
int guarded(sd_bus_error* error, const std::function<int()>& fn) {
    try {
        return fn();
    } catch (const std::exception& e) {
        return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, e.what());
    } catch (...) {
        return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "unexpected error");
    }
}

int fail(sd_bus_error* error, const reconcile::RequestError& e) {
    std::string name = std::string(kErrorPrefix) + e.name;
    return sd_bus_error_set(error, name.c_str(), e.message.c_str());
}

// The daemon resolves no path against its own working directory, and a
// confirm window is what gwctl allows (a day); anything else is refused
// before the Controller sees it.
int refuse_arguments(const char* value, int is_path, uint32_t confirm, sd_bus_error* error) {
    constexpr uint32_t kMaxConfirmSeconds = 86400;
    if (is_path && value[0] != '\0' && value[0] != '/')
        return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "a config path must be absolute");
    if (confirm > kMaxConfirmSeconds)
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "confirm_seconds must be at most %u",
                                 kMaxConfirmSeconds);
    return 0;
}

int reply_outcome(sd_bus_message* m, const reconcile::ApplyOutcome& out) {
    std::string text = out.diff;
    if (!out.warnings.empty()) text += "pending (retried automatically):\n" + out.warnings;
    return sd_bus_reply_method_return(m, "bs", out.changed, text.c_str());
}

int method_apply(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        if (int rc = check_access(m, Need::write, self(userdata).reader_group(), error); rc < 0) return rc;
        const char* value = nullptr;
        int is_path = 0;
        uint32_t confirm = 0;
        if (int rc = sd_bus_message_read(m, "sbu", &value, &is_path, &confirm); rc < 0) return rc;
        if (int rc = refuse_arguments(value, is_path, confirm, error); rc < 0) return rc;
        auto out = self(userdata).controller().apply({value, is_path != 0}, confirm, {caller_name(m), "apply"});
        return out ? reply_outcome(m, *out) : fail(error, out.error());
    });
}

int method_confirm(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        if (int rc = check_access(m, Need::write, self(userdata).reader_group(), error); rc < 0) return rc;
        auto out = self(userdata).controller().confirm();
        return out ? sd_bus_reply_method_return(m, "") : fail(error, out.error());
    });
}

int method_reload(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        if (int rc = check_access(m, Need::write, self(userdata).reader_group(), error); rc < 0) return rc;
        auto out = self(userdata).controller().reload();
        return out ? sd_bus_reply_method_return(m, "") : fail(error, out.error());
    });
}

// Reading a file the caller names is root's privilege: the daemon can read
// files a reader cannot (a password file), and diagnostics quote what they
// read. Readers send text, or "" for the daemon's own config.
int read_config_args(sd_bus_message* m, BusService& svc, const char** value, int* is_path, sd_bus_error* error) {
    if (int rc = check_access(m, Need::read, svc.reader_group(), error); rc < 0) return rc;
    if (int rc = sd_bus_message_read(m, "sb", value, is_path); rc < 0) return rc;
    if (int rc = refuse_arguments(*value, *is_path, 0, error); rc < 0) return rc;
    if (*is_path && **value) return check_access(m, Need::write, svc.reader_group(), error);
    return 0;
}

int method_diff(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        const char* value = nullptr;
        int is_path = 0;
        if (int rc = read_config_args(m, self(userdata), &value, &is_path, error); rc < 0) return rc;
        auto out = self(userdata).controller().diff({value, is_path != 0});
        return out ? reply_outcome(m, *out) : fail(error, out.error());
    });
}

int method_check(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        const char* value = nullptr;
        int is_path = 0;
        if (int rc = read_config_args(m, self(userdata), &value, &is_path, error); rc < 0) return rc;
        auto out = self(userdata).controller().check({value, is_path != 0});
        return sd_bus_reply_method_return(m, "bs", out.valid, out.json.c_str());
    });
}

int method_status(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        if (int rc = check_access(m, Need::read, self(userdata).reader_group(), error); rc < 0) return rc;
        auto json = status::status_to_json(self(userdata).controller().status());
        return sd_bus_reply_method_return(m, "s", json.c_str());
    });
}

// a(utss): number, time in microseconds since the epoch, user, summary; oldest first.
int method_history(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        if (int rc = check_access(m, Need::read, self(userdata).reader_group(), error); rc < 0) return rc;
        sd_bus_message* raw = nullptr;
        int rc = sd_bus_message_new_method_return(m, &raw);
        loop::SdBusMessagePtr reply(raw);
        if (rc >= 0) rc = sd_bus_message_open_container(raw, 'a', "(utss)");
        for (const auto& g : self(userdata).controller().history()) {
            auto usec = std::chrono::duration_cast<std::chrono::microseconds>(g.time.time_since_epoch()).count();
            if (rc >= 0)
                rc = sd_bus_message_append(raw, "(utss)", g.number, static_cast<uint64_t>(usec), g.user.c_str(),
                                           g.summary.c_str());
        }
        if (rc >= 0) rc = sd_bus_message_close_container(raw);
        return rc < 0 ? rc : sd_bus_send(nullptr, raw, nullptr);
    });
}

// The text of a generation (0: the one before the newest). Config text
// holds no secrets (passwords live in their own files), so readers may see it.
int method_generation(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        if (int rc = check_access(m, Need::read, self(userdata).reader_group(), error); rc < 0) return rc;
        uint32_t number = 0;
        if (int rc = sd_bus_message_read(m, "u", &number); rc < 0) return rc;
        auto text = self(userdata).controller().generation_text(number);
        return text ? sd_bus_reply_method_return(m, "s", text->c_str()) : fail(error, text.error());
    });
}

int method_rollback(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded(error, [&] {
        if (int rc = check_access(m, Need::write, self(userdata).reader_group(), error); rc < 0) return rc;
        uint32_t number = 0, confirm = 0;
        if (int rc = sd_bus_message_read(m, "uu", &number, &confirm); rc < 0) return rc;
        if (int rc = refuse_arguments("", 0, confirm, error); rc < 0) return rc;
        auto out = self(userdata).controller().rollback(number, confirm, caller_name(m));
        return out ? reply_outcome(m, *out) : fail(error, out.error());
    });
}

// ---- properties ----------------------------------------------------------------

// Property reads come from a Get/GetAll call (checked) or from the daemon's
// own PropertiesChanged emission (no current message: nothing to check).
int readable(sd_bus* bus, void* userdata, sd_bus_error* error) {
    sd_bus_message* m = sd_bus_get_current_message(bus);
    return m ? check_access(m, Need::read, self(userdata).reader_group(), error) : 0;
}

int get_state(sd_bus* bus, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
              sd_bus_error* error) {
    return guarded(error, [&] {
        if (int rc = readable(bus, userdata, error); rc < 0) return rc;
        auto name = std::string(reconcile::state_name(self(userdata).controller().state()));
        return sd_bus_message_append(reply, "s", name.c_str());
    });
}

// a(sssas): name, interface, state (up/down: has an address or not), addresses.
int append_uplinks(sd_bus_message* reply, const reconcile::Controller& c) {
    int rc = sd_bus_message_open_container(reply, 'a', "(sssas)");
    const auto* active = c.active();
    for (std::size_t i = 0; rc >= 0 && active && i < active->config.uplinks.size(); ++i) {
        const auto& name = active->config.uplinks[i].name.value;
        auto ifname = c.facts().uplink_ifnames.contains(name) ? c.facts().uplink_ifnames.at(name) : name;
        std::vector<std::string> addrs;
        if (auto it = c.facts().uplink_addresses.find(name); it != c.facts().uplink_addresses.end())
            for (const auto& a : it->second) addrs.push_back(a.str());
        rc = sd_bus_message_open_container(reply, 'r', "sssas");
        if (rc >= 0) rc = sd_bus_message_append(reply, "sss", name.c_str(), ifname.c_str(), addrs.empty() ? "down" : "up");
        if (rc >= 0) rc = sd_bus_message_open_container(reply, 'a', "s");
        for (std::size_t j = 0; rc >= 0 && j < addrs.size(); ++j) rc = sd_bus_message_append(reply, "s", addrs[j].c_str());
        if (rc >= 0) rc = sd_bus_message_close_container(reply);
        if (rc >= 0) rc = sd_bus_message_close_container(reply);
    }
    return rc < 0 ? rc : sd_bus_message_close_container(reply);
}

int get_uplinks(sd_bus* bus, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
                sd_bus_error* error) {
    return guarded(error, [&] {
        if (int rc = readable(bus, userdata, error); rc < 0) return rc;
        return append_uplinks(reply, self(userdata).controller());
    });
}

// (tbs): time in microseconds since the epoch (0 = never), ok, result line.
int get_last_apply(sd_bus* bus, const char*, const char*, const char*, sd_bus_message* reply, void* userdata,
                   sd_bus_error* error) {
    return guarded(error, [&] {
        if (int rc = readable(bus, userdata, error); rc < 0) return rc;
        const auto& last = self(userdata).controller().last_apply();
        uint64_t usec = 0;
        if (last)
            usec = static_cast<uint64_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(last->time.time_since_epoch()).count());
        return sd_bus_message_append(reply, "(tbs)", usec, last && last->ok, last ? last->result.c_str() : "");
    });
}

}  // namespace

const sd_bus_vtable kGatewayVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_ARGS("Apply", SD_BUS_ARGS("s", config, "b", is_path, "u", confirm_seconds),
                            SD_BUS_RESULT("b", changed, "s", diff), method_apply, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Confirm", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_confirm, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Diff", SD_BUS_ARGS("s", config, "b", is_path), SD_BUS_RESULT("b", changed, "s", diff),
                            method_diff, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Check", SD_BUS_ARGS("s", config, "b", is_path),
                            SD_BUS_RESULT("b", valid, "s", diagnostics_json), method_check, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("History", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(utss)", generations), method_history,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Generation", SD_BUS_ARGS("u", number), SD_BUS_RESULT("s", config), method_generation,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Rollback", SD_BUS_ARGS("u", number, "u", confirm_seconds),
                            SD_BUS_RESULT("b", changed, "s", diff), method_rollback, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Status", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", json), method_status, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_PROPERTY("State", "s", get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Uplinks", "a(sssas)", get_uplinks, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("LastApply", "(tbs)", get_last_apply, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_SIGNAL_WITH_ARGS("Applied", SD_BUS_ARGS("b", ok, "b", changed, "s", trigger, "s", result), 0),
    SD_BUS_VTABLE_END,
};

}  // namespace gw::bus
