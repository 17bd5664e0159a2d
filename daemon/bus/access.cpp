#include "daemon/bus/access.hpp"

#include <algorithm>

#include "daemon/host/accounts.hpp"
#include "daemon/loop/sd_objects.hpp"

namespace gw::bus {
namespace {

// One "sv" entry of GetConnectionCredentials: UnixUserID (u) and
// UnixGroupIDs (au) are kept, everything else skipped.
int read_credential(sd_bus_message* reply, Caller& c, bool& have_uid) {
    const char* key = nullptr;
    int rc = sd_bus_message_read(reply, "s", &key);
    if (rc < 0) return rc;
    std::string_view k(key);
    if (k == "UnixUserID") {
        rc = sd_bus_message_read(reply, "v", "u", &c.uid);
        have_uid = rc >= 0;
        return rc;
    }
    if (k != "UnixGroupIDs") return sd_bus_message_skip(reply, "v");
    rc = sd_bus_message_enter_container(reply, 'v', "au");
    if (rc >= 0) rc = sd_bus_message_enter_container(reply, 'a', "u");
    for (std::uint32_t gid = 0; rc >= 0 && (rc = sd_bus_message_read(reply, "u", &gid)) > 0;) c.gids.push_back(gid);
    if (rc >= 0) rc = sd_bus_message_exit_container(reply);
    if (rc >= 0) rc = sd_bus_message_exit_container(reply);
    return rc;
}

// The bus daemon's record of the sender: the uid and all groups of the
// peer socket (SO_PEERCRED, SO_PEERGROUPS) when it connected. sd-bus's
// own creds query does not carry the groups from dbus-daemon, so this asks
// org.freedesktop.DBus.GetConnectionCredentials itself.
std::optional<Caller> caller_of(sd_bus_message* m) {
    const char* sender = sd_bus_message_get_sender(m);
    if (!sender) return std::nullopt;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* raw = nullptr;
    int rc = sd_bus_call_method(sd_bus_message_get_bus(m), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus", "GetConnectionCredentials", &error, &raw, "s", sender);
    sd_bus_error_free(&error);
    loop::SdBusMessagePtr reply(raw);
    if (rc < 0) return std::nullopt;
    Caller c;
    bool have_uid = false;
    rc = sd_bus_message_enter_container(raw, 'a', "{sv}");
    while (rc >= 0 && (rc = sd_bus_message_enter_container(raw, 'e', "sv")) > 0) {
        rc = read_credential(raw, c, have_uid);
        if (rc >= 0) rc = sd_bus_message_exit_container(raw);
    }
    if (rc < 0 || !have_uid) return std::nullopt;
    return c;
}

}  // namespace

std::string caller_name(sd_bus_message* m) {
    auto caller = caller_of(m);
    if (!caller) return "unknown";
    return host::SystemAccounts().user_name(caller->uid).value_or("uid " + std::to_string(caller->uid));
}

bool allowed(const Caller& caller, Need need, std::optional<std::uint32_t> reader_gid) {
    if (caller.uid == 0) return true;
    if (need == Need::write || !reader_gid) return false;
    return std::find(caller.gids.begin(), caller.gids.end(), *reader_gid) != caller.gids.end();
}

int check_access(sd_bus_message* m, Need need, const std::string& reader_group, sd_bus_error* error) {
    auto caller = caller_of(m);
    std::optional<std::uint32_t> gid;
    if (need == Need::read) gid = host::SystemAccounts().gid(reader_group);
    if (caller && allowed(*caller, need, gid)) return 0;
    std::string why = need == Need::write
                          ? "only root may change the gateway's state"
                          : "only root and members of group " + reader_group + " may read the gateway's state";
    return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, why.c_str());
}

}  // namespace gw::bus
