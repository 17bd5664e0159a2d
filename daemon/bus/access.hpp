// Who may call what: mutating methods (Apply, Confirm, Reload) only uid 0;
// reading (Diff, Check, Status, properties) also members of one group
// (`gatewayd`). Decided from the caller's credentials as the bus reports
// them (the socket peer's uid and supplementary groups), never from
// anything the caller sends. The D-Bus policy file says the same; this is
// the daemon's own check behind it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <systemd/sd-bus.h>

namespace gw::bus {

enum class Need { read, write };

struct Caller {
    std::uint32_t uid = 0;
    std::vector<std::uint32_t> gids;  // primary (when known) and supplementary
};

// Pure decision; `reader_gid` is the group's gid (nullopt when it does not exist).
bool allowed(const Caller& caller, Need need, std::optional<std::uint32_t> reader_gid);

// The caller's user name for the record of what it committed ("uid N" when
// the account has no name, "unknown" when the bus cannot say).
std::string caller_name(sd_bus_message* m);

// 0 when allowed; otherwise sets org.freedesktop.DBus.Error.AccessDenied in
// `error` and returns its negative errno.
int check_access(sd_bus_message* m, Need need, const std::string& reader_group, sd_bus_error* error);

}  // namespace gw::bus
