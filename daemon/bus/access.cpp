#include "daemon/bus/access.hpp"

#include <algorithm>

#include "daemon/loop/sd_ptr.hpp"
#include "daemon/reconcile/accounts.hpp"

namespace gw::bus {
namespace {

// dbus-daemon reports the socket peer's uid (its effective uid when it
// connected) as UnixUserID, which sd-bus files under UID; EUID is used when
// the bus gives it.
std::optional<Caller> caller_of(sd_bus_message* m) {
    sd_bus_creds* raw = nullptr;
    uint64_t mask = SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID | SD_BUS_CREDS_GID | SD_BUS_CREDS_SUPPLEMENTARY_GIDS;
    if (sd_bus_query_sender_creds(m, mask, &raw) < 0) return std::nullopt;
    loop::SdBusCredsPtr creds(raw);
    Caller c;
    uid_t uid = 0;
    if (sd_bus_creds_get_euid(creds.get(), &uid) < 0 && sd_bus_creds_get_uid(creds.get(), &uid) < 0)
        return std::nullopt;
    c.uid = uid;
    gid_t gid = 0;
    if (sd_bus_creds_get_gid(creds.get(), &gid) >= 0) c.gids.push_back(gid);
    const gid_t* gids = nullptr;
    int n = sd_bus_creds_get_supplementary_gids(creds.get(), &gids);
    for (int i = 0; i < n; ++i) c.gids.push_back(gids[i]);
    return c;
}

}  // namespace

bool allowed(const Caller& caller, Need need, std::optional<std::uint32_t> reader_gid) {
    if (caller.uid == 0) return true;
    if (need == Need::write || !reader_gid) return false;
    return std::find(caller.gids.begin(), caller.gids.end(), *reader_gid) != caller.gids.end();
}

int check_access(sd_bus_message* m, Need need, const std::string& reader_group, sd_bus_error* error) {
    auto caller = caller_of(m);
    std::optional<std::uint32_t> gid;
    if (need == Need::read) gid = reconcile::SystemAccounts().gid(reader_group);
    if (caller && allowed(*caller, need, gid)) return 0;
    std::string why = need == Need::write
                          ? "only root may change the gateway's state"
                          : "only root and members of group " + reader_group + " may read the gateway's state";
    return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, why.c_str());
}

}  // namespace gw::bus
