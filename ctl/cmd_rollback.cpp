// gwctl rollback [GENERATION] [--confirm SECONDS]: apply an earlier
// generation of the config file (default: the one before the live one) as
// a new generation, atomically; with --confirm, it is rolled back in turn
// unless `gwctl confirm` comes in time. Needs the daemon.
#include <cstdio>
#include <optional>
#include <string>

#include "ctl/bus_client.hpp"
#include "ctl/commands.hpp"

namespace gw::ctl {

int run_rollback(Args args) {
    auto a = parse_change_args(args);
    std::optional<unsigned> generation = 0;  // 0: the one before the live one
    if (a && a->operand) generation = parse_generation(*a->operand);
    if (!a || !generation) {
        std::fputs("usage: gwctl rollback [GENERATION] [--confirm SECONDS]\n", stderr);
        return kExitError;
    }
    auto client = BusClient::connect_if_running();
    if (!client) {
        std::fputs("gwctl rollback: gatewayd is not running (the generations are its own)\n", stderr);
        return kExitError;
    }
    auto r = client->rollback(*generation, a->confirm);
    if (!r) {
        print_bus_error("rollback", r.error());
        return kExitError;
    }
    print_change(r->flag, r->text, a->confirm);
    return kExitOk;
}

}  // namespace gw::ctl
