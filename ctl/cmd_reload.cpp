// gwctl reload: the daemon re-reads its config file and applies it (as
// `systemctl reload gatewayd` does, but with the outcome reported). An
// invalid file changes nothing. Needs the daemon; exit 0 or 2.
#include <cstdio>

#include "ctl/bus_client.hpp"
#include "ctl/commands.hpp"

namespace gw::ctl {

int run_reload(Args args) {
    if (!args.empty()) {
        std::fputs("usage: gwctl reload\n", stderr);
        return kExitError;
    }
    auto client = BusClient::connect_if_running();
    if (!client) {
        std::fputs("gwctl reload: gatewayd is not running\n", stderr);
        return kExitError;
    }
    if (auto r = client->reload(); !r) {
        print_bus_error("reload", r.error());
        return kExitError;
    }
    std::puts("reloaded");
    return kExitOk;
}

}  // namespace gw::ctl
