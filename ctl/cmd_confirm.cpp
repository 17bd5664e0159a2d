// gwctl confirm: keep the configuration of the last `apply --confirm`; the
// daemon then forgets its rollback target. Needs the daemon. Exit 0, or 2
// when nothing waits for confirmation or the call is refused.
#include <cstdio>

#include "ctl/bus_client.hpp"
#include "ctl/commands.hpp"

namespace gw::ctl {

int run_confirm(Args args) {
    if (!args.empty()) {
        std::fputs("usage: gwctl confirm\n", stderr);
        return kExitError;
    }
    auto client = BusClient::connect_if_running();
    if (!client) {
        std::fputs("gwctl confirm: gatewayd is not running\n", stderr);
        return kExitError;
    }
    if (auto r = client->confirm(); !r) {
        print_bus_error("confirm", r.error());
        return kExitError;
    }
    std::puts("confirmed");
    return kExitOk;
}

}  // namespace gw::ctl
