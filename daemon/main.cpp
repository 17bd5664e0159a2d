// gatewayd: keeps the kernel equal to /etc/gatewayd/gateway.yaml. All the
// work is in daemon/daemon.cpp (wiring) and daemon/reconcile/.
#include <cstdio>

#include "daemon/daemon.hpp"

int main(int argc, char** argv) {
    auto options = gw::daemon::parse_daemon_options(argc, argv);
    if (!options) {
        std::fputs(options.error().c_str(), stderr);
        return 2;
    }
    return gw::daemon::run_daemon(*options);
}
