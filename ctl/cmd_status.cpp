// gwctl status [--json]: interfaces and uplinks, counters per forward and
// drop class, kernel paths, the last apply, a pending confirm. From the
// daemon when it runs (any member of group gatewayd may ask); otherwise
// read from the kernel directly, named after the default config file when
// it can be read. --json prints the same report as one JSON object.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "ctl/bus_client.hpp"
#include "ctl/commands.hpp"
#include "daemon/reconcile/direct.hpp"
#include "daemon/status/status.hpp"

namespace gw::ctl {
namespace {

int print_report(const status::StatusReport& s, bool json) {
    auto text = json ? status::status_to_json(s) + "\n"
                     : status::render_status(s, std::chrono::system_clock::now());
    std::fputs(text.c_str(), stdout);
    return kExitOk;
}

int status_via_daemon(BusClient& client, bool json) {
    auto r = client.status_json();
    if (!r) {
        print_bus_error("status", r.error());
        return kExitError;
    }
    if (json) {
        std::printf("%s\n", r->c_str());
        return kExitOk;
    }
    auto s = status::status_from_json(*r);
    if (!s) {
        std::fprintf(stderr, "gwctl status: %s\n", s.error().c_str());
        return kExitError;
    }
    return print_report(*s, false);
}

int status_directly(bool json) {
    if (::geteuid() != 0) {
        std::fputs("gwctl status: gatewayd is not running (or not on the system bus); "
                   "reading the kernel directly needs root\n", stderr);
        return kExitError;
    }
    auto kernel = reconcile::DirectKernel::open();
    if (!kernel) {
        std::fprintf(stderr, "gwctl status: gatewayd is not running, and the kernel cannot be read: %s\n",
                     kernel.error().c_str());
        return kExitError;
    }
    std::string path(kDefaultConfig);
    std::optional<config::LoadedConfig> cfg;
    if (::access(path.c_str(), R_OK) == 0)
        if (auto loaded = config::load_config_file(path, &(*kernel)->accounts()))
            cfg = std::move(*loaded);
    auto s = (*kernel)->reconciler().observe_status(cfg ? &cfg->config : nullptr);
    s.state = "not running";
    if (cfg) s.config = path;
    return print_report(s, json);
}

}  // namespace

int run_status(Args args) {
    bool json = false;
    for (auto a : args) {
        if (a != "--json") {
            std::fputs("usage: gwctl status [--json]\n", stderr);
            return kExitError;
        }
        json = true;
    }
    if (auto client = BusClient::connect_if_running()) return status_via_daemon(*client, json);
    return status_directly(json);
}

}  // namespace gw::ctl
