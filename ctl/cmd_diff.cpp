// gwctl diff [FILE | --generation N]: what applying FILE (or a kept
// generation of the config file) would change in the kernel, as an nft
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

// What applying a kept generation would change (gwctl rollback's preview).
int diff_generation(std::optional<BusClient>& client, unsigned number) {
    if (!client) {
        std::fputs("gwctl diff: --generation needs gatewayd (the generations are its own)\n", stderr);
        return kExitError;
    }
    auto text = client->generation(number);
    if (!text) {
        print_bus_error("diff", text.error());
        return kExitError;
    }
    auto r = client->diff(*text, false);
    if (!r) {
        print_bus_error("diff", r.error(), "generation " + std::to_string(number));
        return kExitError;
    }
    return print_diff(r->flag, relabel(r->text, "generation " + std::to_string(number)));
}

}  // namespace

int run_diff(Args args) {
    std::optional<std::string> file;
    std::optional<unsigned> generation;
    for (std::size_t i = 0; i < args.size(); ++i) {
        auto a = args[i];
        if (a == "--generation" && i + 1 < args.size() && !generation && !file) {
            generation = parse_generation(args[++i]);
            if (generation) continue;
        } else if (!a.starts_with("-") && !file && !generation) {
            file = std::string(a);
            continue;
        }
        std::fputs("usage: gwctl diff [FILE | --generation N]\n", stderr);
        return kExitError;
    }
    auto client = BusClient::connect_if_running();
    if (generation) return diff_generation(client, *generation);
    if (client) return diff_via_daemon(*client, file);
    return diff_directly(file);
}

}  // namespace gw::ctl
