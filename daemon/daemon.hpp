// gatewayd's wiring: the kernel backends, the Controller, the kernel event
// subscriptions (opened before the first dump, so no change falls in
// between), the D-Bus service, signals (SIGHUP reloads, SIGTERM/SIGINT
// stop) and the watchdog, all on one sd-event loop.
#pragma once

#include <expected>
#include <string>

namespace gw::daemon {

struct DaemonOptions {
    std::string config_path = "/etc/gatewayd/gateway.yaml";
    std::string run_dir;      // "" = $RUNTIME_DIRECTORY, else /run/gatewayd
    // Committed applies replace the config file and keep generations under
    // <state_dir>/generations. "" = $STATE_DIRECTORY (systemd's
    // StateDirectory=); neither: not persistent (tests, a daemon run by hand).
    std::string state_dir;
    unsigned keep_generations = 10;
    int debounce_ms = 5;      // see ControllerOptions::debounce
    bool bus = true;          // --no-bus: run without the D-Bus service
    std::string pppd_path = "/usr/sbin/pppd";  // --pppd: what PPPoE uplinks run (tests: a stand-in)
};

// Command line -> options; an error message (with usage) on a bad one.
std::expected<DaemonOptions, std::string> parse_daemon_options(int argc, char** argv);

// Runs until SIGTERM/SIGINT; the process exit status.
int run_daemon(const DaemonOptions& options);

}  // namespace gw::daemon
