// gwctl apply [FILE] [--confirm SECONDS]: make the config live. With the
// daemon running, FILE is validated here, then its text goes to the daemon
// (which cannot see the caller's files: it runs sandboxed), which writes it
// to /etc/gatewayd/gateway.yaml as a new generation once it is committed;
// without FILE the daemon re-reads its own config file. Without a daemon, root applies
// directly in the current network namespace. Prints what changed; exit 0
// on success, 2 on any error. --confirm needs the daemon: it rolls back
// unless `gwctl confirm` arrives in time.
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "ctl/bus_client.hpp"
#include "ctl/commands.hpp"
#include "daemon/reconcile/direct.hpp"

namespace gw::ctl {
namespace {

int apply_via_daemon(BusClient& client, const ChangeArgs& a) {
    std::string text;
    if (a.operand) {
        auto cfg = load_local(*a.operand);
        if (!cfg) return kExitError;
        text = cfg->source.text;
    }
    auto r = a.operand ? client.apply(text, false, a.confirm) : client.apply("", true, a.confirm);
    if (!r) {
        print_bus_error("apply", r.error(), a.operand.value_or(""));
        return kExitError;
    }
    print_change(r->flag, relabel(r->text, a.operand.value_or("")), a.confirm);
    return kExitOk;
}

int apply_directly(const ChangeArgs& a) {
    if (::geteuid() != 0) {
        std::fputs("gwctl apply: gatewayd is not running (or not on the system bus); "
                   "acting on the kernel directly needs root\n", stderr);
        return kExitError;
    }
    if (a.confirm) {
        std::fputs("gwctl apply: --confirm needs gatewayd (not running): nothing would roll back\n", stderr);
        return kExitError;
    }
    std::string path = a.operand.value_or(std::string(kDefaultConfig));
    auto cfg = load_local(path);
    if (!cfg) return kExitError;
    auto kernel = reconcile::DirectKernel::open();
    if (!kernel) {
        std::fprintf(stderr, "gwctl apply: %s\n", kernel.error().c_str());
        return kExitError;
    }
    auto r = (*kernel)->reconciler().run(*cfg, reconcile::Mode::apply);
    print_change(r.changed, r.diff_text(), 0);
    std::fputs(r.describe_errors(path).c_str(), stderr);
    return r.fatal() ? kExitError : kExitOk;
}

}  // namespace

int run_apply(Args args) {
    auto a = parse_change_args(args);
    if (!a) {
        std::fputs("usage: gwctl apply [FILE] [--confirm SECONDS]\n", stderr);
        return kExitError;
    }
    if (auto client = BusClient::connect_if_running()) return apply_via_daemon(*client, *a);
    return apply_directly(*a);
}

}  // namespace gw::ctl
