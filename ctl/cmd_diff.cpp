// gwctl diff [FILE]: what applying would change in the kernel, as an nft
// unified diff and `ip`-like netlink lines. Exit 0 when nothing would
// change, 1 when something would, 2 on error, like diff(1). Asks the
// daemon when it runs (FILE's text is sent; without FILE the daemon diffs
// its own file), else reads the kernel directly.
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "ctl/bus_client.hpp"
#include "ctl/commands.hpp"
#include "daemon/reconcile/direct.hpp"

namespace gw::ctl {
namespace {

int print_diff(bool changed, const std::string& text) {
    std::fputs(text.c_str(), stdout);
    return changed ? kExitChanges : kExitOk;
}

int diff_via_daemon(BusClient& client, const std::optional<std::string>& file) {
    std::string text;
    if (file) {
        auto cfg = load_local(*file);
        if (!cfg) return kExitError;
        text = cfg->source.text;
    }
    auto r = file ? client.diff(text, false) : client.diff("", true);
    if (!r) {
        print_bus_error("diff", r.error(), file.value_or(""));
        return kExitError;
    }
    return print_diff(r->flag, relabel(r->text, file.value_or("")));
}

int diff_directly(const std::optional<std::string>& file) {
    if (::geteuid() != 0) {
        std::fputs("gwctl diff: gatewayd is not running (or not on the system bus); "
                   "acting on the kernel directly needs root\n", stderr);
        return kExitError;
    }
    std::string path = file.value_or(std::string(kDefaultConfig));
    auto cfg = load_local(path);
    if (!cfg) return kExitError;
    auto kernel = reconcile::DirectKernel::open();
    if (!kernel) {
        std::fprintf(stderr, "gwctl diff: %s\n", kernel.error().c_str());
        return kExitError;
    }
    auto r = (*kernel)->reconciler().run(*cfg, reconcile::Mode::diff);
    if (!r.ok()) {
        std::fputs(r.describe_errors(path).c_str(), stderr);
        return kExitError;
    }
    return print_diff(r.changed, r.diff_text());
}

}  // namespace

int run_diff(Args args) {
    std::optional<std::string> file;
    for (auto a : args) {
        if (a.starts_with("-") || file) {
            std::fputs("usage: gwctl diff [FILE]\n", stderr);
            return kExitError;
        }
        file = std::string(a);
    }
    if (auto client = BusClient::connect_if_running()) return diff_via_daemon(*client, file);
    return diff_directly(file);
}

}  // namespace gw::ctl
