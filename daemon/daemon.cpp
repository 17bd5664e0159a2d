#include "daemon/daemon.hpp"

#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>

#include "daemon/bus/names.hpp"
#include "daemon/bus/service.hpp"
#include "daemon/droplog/droplog.hpp"
#include "daemon/kernel/linux_kernel.hpp"
#include "daemon/kernel/nft/events.hpp"
#include "daemon/kernel/probe/features.hpp"
#include "daemon/kernel/rtnl/events.hpp"
#include "daemon/loop/event_loop.hpp"
#include "daemon/loop/log.hpp"
#include "daemon/ha/manager.hpp"
#include "daemon/ipv6/manager.hpp"
#include "daemon/uplinks/supervisor.hpp"
#include "rules/nft/compile.hpp"

namespace gw::daemon {

// The loop primitives (event loop, timers, log, notify) this file wires up.
using namespace gw::loop;

namespace {

constexpr const char* kUsage =
    "usage: gatewayd [--config FILE] [--run-dir DIR] [--state-dir DIR] [--keep-generations N]\n"
    "                [--debounce-ms N] [--no-bus] [--pppd PATH]\n";

std::string default_run_dir() {
    const char* rt = std::getenv("RUNTIME_DIRECTORY");  // systemd's RuntimeDirectory=
    return rt && *rt ? std::string(rt) : "/run/gatewayd";
}

std::string generations_dir(const DaemonOptions& o) {
    const char* state = std::getenv("STATE_DIRECTORY");  // systemd's StateDirectory=
    std::string dir = !o.state_dir.empty() ? o.state_dir : state && *state ? state : "";
    return dir.empty() ? dir : dir + "/generations";
}

// Everything the loop's callbacks refer to, destroyed after the loop stops.
struct Daemon {
    std::unique_ptr<EventLoop> loop;
    std::unique_ptr<kernel::LinuxKernel> kernel;
    host::SystemAccounts accounts;
    SdNotifier notifier;
    std::unique_ptr<reconcile::Reconciler> reconciler;
    std::unique_ptr<reconcile::Controller> controller;
    // PPPoE sessions (pppd children); gone before the controller that calls them.
    std::unique_ptr<uplinks::SdEventLauncher> launcher;
    std::unique_ptr<uplinks::Supervisor> supervisor;
    // keepalived and conntrackd (ha:); it hands the VRRP role to the supervisor.
    std::unique_ptr<ha::Manager> ha;
    // dhcpcd per prefix-delegating uplink and radvd (routed IPv6).
    std::unique_ptr<ipv6::Manager> routed6;
    std::unique_ptr<kernel::NetEvents> net_events;
    std::unique_ptr<kernel::NftEvents> nft_events;
    std::unique_ptr<bus::BusService> bus;
    std::unique_ptr<droplog::DropLog> drop_log;
};

std::expected<void, std::string> subscribe(Daemon& d) {
    auto net = kernel::NetEvents::open([&d](bool overrun) {
        log_debug("netlink: link/address/route/rule change");
        d.controller->kernel_changed(overrun);
    });
    if (!net) return std::unexpected("netlink events: " + net.error().describe());
    d.net_events = std::move(*net);
    auto nft = kernel::NftEvents::open(nft::kTableName, [&d] {
        log_debug("nftables: another process changed gatewayd's tables");
        d.controller->kernel_changed(false);
    });
    if (!nft) return std::unexpected(nft.error());
    d.nft_events = std::move(*nft);
    if (auto ok = d.loop->watch_fd(d.net_events->fd(), [&d] { d.net_events->dispatch(); }); !ok) return ok;
    return d.loop->watch_fd(d.nft_events->fd(), [&d] { d.nft_events->dispatch(); });
}

std::expected<void, std::string> setup(Daemon& d, const DaemonOptions& o) {
    auto loop = EventLoop::create();
    if (!loop) return std::unexpected(loop.error());
    d.loop = std::move(*loop);
    auto kernel = kernel::LinuxKernel::open();
    if (!kernel) return std::unexpected(kernel.error().describe());
    d.kernel = std::move(*kernel);
    d.reconciler = std::make_unique<reconcile::Reconciler>(
        *d.kernel, d.accounts, [&d] { return kernel::probe_kernel_features(*d.kernel); });
    reconcile::ControllerOptions co;
    co.config_path = o.config_path;
    co.run_dir = o.run_dir.empty() ? default_run_dir() : o.run_dir;
    co.debounce = std::chrono::milliseconds(o.debounce_ms);
    if (!o.state_dir.empty()) ::mkdir(o.state_dir.c_str(), 0755);
    co.generations_dir = generations_dir(o);
    co.keep_generations = o.keep_generations;
    ::mkdir(co.run_dir.c_str(), 0700);
    d.controller = std::make_unique<reconcile::Controller>(*d.reconciler, d.accounts, *d.loop, d.notifier, co);
    d.launcher = std::make_unique<uplinks::SdEventLauncher>(d.loop->get());
    uplinks::SessionSettings sessions;
    sessions.pppd_path = o.pppd_path;
    d.supervisor = std::make_unique<uplinks::Supervisor>(*d.launcher, *d.loop, sessions);
    d.ha = std::make_unique<ha::Manager>(*d.launcher, *d.loop, d.loop->get(), *d.supervisor, co.run_dir);
    // The HA manager hears of a new config first: the supervisor then
    // reads the role it set to know which uplinks to hold back.
    d.ha->attach(*d.controller);
    d.supervisor->attach(*d.controller);
    d.routed6 = std::make_unique<ipv6::Manager>(*d.launcher, *d.loop, d.loop->get(), co.run_dir);
    d.routed6->attach(*d.controller, *d.reconciler);
    return subscribe(d);
}

void open_bus(Daemon& d) {
    auto bus = bus::BusService::open(d.loop->get(), *d.controller, bus::kReaderGroup);
    if (!bus) {
        // The firewall matters more than the API: keep running without it.
        log_warning("D-Bus service unavailable: " + bus.error());
        return;
    }
    d.bus = std::move(*bus);
    d.controller->on_applied = [&d](const status::ApplyRecord& r) { d.bus->announce(r); };
}

// The log statements send to this group; a namespace where another listener
// holds it (ulogd) keeps its firewall, only without gatewayd's drop log.
void open_drop_log(Daemon& d) {
    auto log = droplog::DropLog::open(*d.loop, rules::kDropLogGroup);
    if (!log) {
        log_warning(log.error() + "; dropped packets are not logged");
        return;
    }
    d.drop_log = std::move(*log);
}

std::expected<void, std::string> handle_signals(Daemon& d) {
    ::signal(SIGPIPE, SIG_IGN);
    // pppd children go first (they never outlive the daemon); the loop ends
    // once none is left.
    auto stop = [&d] {
        log_info("stopping; the kernel state stays as it is");
        d.notifier.stopping();
        // keepalived first, so the peer takes over while pppd says goodbye.
        d.ha->stop_all([] {});
        d.supervisor->stop_all(
            [&d] { d.ha->stop_all([&d] { d.routed6->stop_all([&d] { d.loop->exit(0); }); }); });
    };
    for (int sig : {SIGTERM, SIGINT})
        if (auto ok = d.loop->on_signal(sig, stop); !ok) return ok;
    return d.loop->on_signal(SIGHUP, [&d] {
        log_info("SIGHUP: reloading the configuration");
        (void)d.controller->reload();
    });
}

}  // namespace

std::expected<DaemonOptions, std::string> parse_daemon_options(int argc, char** argv) {
    static const option longopts[] = {{"config", required_argument, nullptr, 'c'},
                                      {"run-dir", required_argument, nullptr, 'r'},
                                      {"debounce-ms", required_argument, nullptr, 'd'},
                                      {"no-bus", no_argument, nullptr, 'n'},
                                      {"pppd", required_argument, nullptr, 'p'},
                                      {"state-dir", required_argument, nullptr, 's'},
                                      {"keep-generations", required_argument, nullptr, 'k'},
                                      {"help", no_argument, nullptr, 'h'},
                                      {nullptr, 0, nullptr, 0}};
    DaemonOptions o;
    for (int c; (c = getopt_long(argc, argv, "c:", longopts, nullptr)) != -1;) {
        switch (c) {
        case 'c': o.config_path = optarg; break;
        case 'r': o.run_dir = optarg; break;
        case 'd': o.debounce_ms = std::atoi(optarg); break;
        case 'n': o.bus = false; break;
        case 'p': o.pppd_path = optarg; break;
        case 's': o.state_dir = optarg; break;
        case 'k': o.keep_generations = static_cast<unsigned>(std::max(1, std::atoi(optarg))); break;
        default: return std::unexpected(std::string(kUsage));
        }
    }
    if (optind != argc || o.debounce_ms < 0) return std::unexpected(std::string(kUsage));
    return o;
}

int run_daemon(const DaemonOptions& options) {
    Daemon d;
    auto ok = setup(d, options);
    if (ok) ok = handle_signals(d);
    if (!ok) {
        log_error(ok.error());
        return EXIT_FAILURE;
    }
    if (options.bus) open_bus(d);
    open_drop_log(d);
    if (auto started = d.controller->start(); !started) {
        log_error(started.error());
        return EXIT_FAILURE;
    }
    d.loop->enable_watchdog();
    int rc = d.loop->run();
    return rc < 0 ? EXIT_FAILURE : rc;
}

}  // namespace gw::daemon
