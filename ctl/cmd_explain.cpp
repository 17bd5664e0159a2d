// gwctl explain FROM TO [PROTO/PORT] [options]: which rules a packet meets
// on its way through the gateway, and the gateway.yaml line of each. The
// walk runs on what the file compiles to (rules/explain/), so it needs no
// root; --live (root) takes the uplink addresses and kernel features from
// the running system and says whether the live ruleset and routes still
// equal the file.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <optional>
#include <string>

#include "ctl/bus_client.hpp"
#include "ctl/commands.hpp"
#include "ctl/target_kernel.hpp"
#include "daemon/reconcile/direct.hpp"
#include "rules/explain/endpoint.hpp"
#include "rules/explain/render.hpp"

namespace gw::ctl {
namespace {

constexpr const char* kUsage =
    "usage: gwctl explain FROM TO [PROTO/PORT] [--in LINK] [--uid USER] [--uplink NAME=ADDRESS[/LEN]]...\n"
    "                     [-4|-6] [--json] [--live] [--file FILE] [TARGET-KERNEL OPTIONS]\n"
    "  FROM, TO: an address, `gateway`, or a zone, interface, uplink or (TO only) forward name\n"
    "  PROTO/PORT: tcp/443, udp/53, icmp, icmpv6 (default: ping, or the forward's own port)\n"
    "  --uplink NAME=ADDRESS[/LEN]: an uplink's current address (offline it is not known); NAME=down: no address\n";

struct ExplainArgs {
    explain::Request request;
    std::string file{kDefaultConfig};
    std::string uid_name;
    std::vector<std::pair<std::string, net::Prefix>> uplinks;
    std::vector<std::string> down;  // --uplink NAME=down
    bool json = false;
    bool live = false;
    TargetKernelArgs target;
};

// NAME=ADDRESS, or NAME=down for an uplink without an address.
bool parse_uplink(std::string_view v, ExplainArgs& out) {
    auto eq = v.find('=');
    if (eq == std::string_view::npos) return false;
    if (v.substr(eq + 1) == "down") {
        out.down.emplace_back(v.substr(0, eq));
        return true;
    }
    auto p = net::Prefix::parse(v.substr(eq + 1));
    if (!p) return false;
    out.uplinks.emplace_back(std::string(v.substr(0, eq)), *p);
    return true;
}

// One option; `next` is the following argument for options that take one.
bool parse_option(std::string_view a, const std::string_view* next, ExplainArgs& out, bool& used_next) {
    auto value = [&]() -> std::optional<std::string_view> {
        if (!next) return std::nullopt;
        used_next = true;
        return *next;
    };
    if (a == "--json") out.json = true;
    else if (a == "--live") out.live = true;
    else if (a == "-4") out.request.family = net::Family::ipv4;
    else if (a == "-6") out.request.family = net::Family::ipv6;
    else if (a == "--in") { auto v = value(); if (!v) return false; out.request.in = *v; }
    else if (a == "--uid") { auto v = value(); if (!v) return false; out.uid_name = *v; }
    else if (a == "--file" || a == "-f") { auto v = value(); if (!v) return false; out.file = *v; }
    else if (a == "--uplink") { auto v = value(); if (!v || !parse_uplink(*v, out)) return false; }
    else {
        auto r = parse_target_kernel_option(a, next, out.target, used_next);
        return r == OptionResult::taken;
    }
    return true;
}

std::optional<ExplainArgs> parse_args(Args args) {
    ExplainArgs out;
    std::vector<std::string> words;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (a.size() > 1 && a[0] == '-') {
            bool used_next = false;
            const std::string_view* next = i + 1 < args.size() ? &args[i + 1] : nullptr;
            if (!parse_option(a, next, out, used_next)) return std::nullopt;
            if (used_next) ++i;
        } else {
            words.emplace_back(a);
        }
    }
    if (words.size() < 2 || words.size() > 3) return std::nullopt;
    out.request.from = words[0];
    out.request.to = words[1];
    if (words.size() == 3) out.request.proto = words[2];
    return out;
}

// A user name or number -> uid and its primary group.
bool resolve_uid(const std::string& name, explain::Request& r) {
    if (name.empty()) return true;
    if (const passwd* pw = ::getpwnam(name.c_str())) {
        r.uid = pw->pw_uid;
        r.gid = pw->pw_gid;
        return true;
    }
    std::uint32_t v = 0;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
    if (ec != std::errc{} || ptr != name.data() + name.size()) return false;
    r.uid = v;
    if (const passwd* pw = ::getpwuid(v)) r.gid = pw->pw_gid;
    return true;
}

// Facts from the options: the uplinks' addresses as given, users from
// this machine, the kernel as targeted.
std::optional<rules::Facts> offline_facts(const ExplainArgs& a, const config::LoadedConfig& cfg,
                                          std::vector<std::string>& notes) {
    rules::Facts facts;
    std::vector<reconcile::Problem> problems;
    reconcile::resolve_owners(cfg.config, host::SystemAccounts{}, facts, problems);
    for (const auto& [name, prefix] : a.uplinks) {
        if (!cfg.config.find_uplink(name)) {
            std::fprintf(stderr, "gwctl explain: --uplink %s: no such uplink in %s\n", name.c_str(), a.file.c_str());
            return std::nullopt;
        }
        facts.uplink_addresses[name].push_back(prefix.address);
    }
    for (const auto& name : a.down) {
        if (!cfg.config.find_uplink(name)) {
            std::fprintf(stderr, "gwctl explain: --uplink %s=down: no such uplink in %s\n", name.c_str(), a.file.c_str());
            return std::nullopt;
        }
        facts.uplink_addresses[name] = {net::Address{}};  // a placeholder, removed below
    }
    auto assumed = explain::assume_uplinks_up(cfg.config, facts);
    for (const auto& name : a.down) facts.uplink_addresses[name].clear();
    auto target = target_kernel(a.target);
    if (!target) return std::nullopt;
    facts.kernel = target->kernel;
    notes = target_notes(cfg.config, *target);
    notes.insert(notes.begin(), assumed.begin(), assumed.end());
    if (!problems.empty())  // an unknown user only weakens the answer; say so
        std::fputs(reconcile::describe_problems(problems, a.file).c_str(), stderr);
    return facts;
}

// --live: facts from the kernel, and whether the kernel still equals the file.
std::optional<rules::Facts> live_facts(const ExplainArgs& a, const config::LoadedConfig& cfg,
                                       std::vector<std::string>& notes) {
    if (::geteuid() != 0) {
        std::fputs("gwctl explain: --live reads the kernel and needs root\n", stderr);
        return std::nullopt;
    }
    auto kernel = reconcile::DirectKernel::open();
    if (!kernel) {
        std::fprintf(stderr, "gwctl explain: %s\n", kernel.error().c_str());
        return std::nullopt;
    }
    // The facts the diff was compiled with, from the same observation of the kernel.
    auto r = (*kernel)->reconciler().run(cfg, reconcile::Mode::diff);
    auto facts = r.facts;
    facts.kernel = (*kernel)->reconciler().features();
    notes = target_notes(cfg.config, Target{facts.kernel, "probed from the running kernel"});
    if (!r.ok()) notes.push_back("the live kernel could not be compared: " + r.describe_errors(a.file));
    else if (r.changed) notes.push_back("the live kernel differs from " + a.file + " (see gwctl diff): "
                                        "packets meet the live rules, not this explanation");
    else notes.push_back("the live ruleset, addresses, routes and rules equal " + a.file);
    return facts;
}

}  // namespace

int run_explain(Args args) {
    auto opts = parse_args(args);
    if (!opts) {
        std::fputs(kUsage, stderr);
        std::fputs(kTargetKernelUsage.data(), stderr);
        return kExitError;
    }
    if (!resolve_uid(opts->uid_name, opts->request)) {
        std::fprintf(stderr, "gwctl explain: no user '%s'\n", opts->uid_name.c_str());
        return kExitError;
    }
    auto cfg = load_local(opts->file);
    if (!cfg) return kExitError;
    std::vector<std::string> notes;
    auto facts = opts->live ? live_facts(*opts, *cfg, notes) : offline_facts(*opts, *cfg, notes);
    if (!facts) return kExitError;
    std::vector<net::Prefix> prefixes;
    for (const auto& u : opts->uplinks) prefixes.push_back(u.second);
    auto model = explain::build_model(cfg->config, *facts, prefixes);
    auto resolved = explain::resolve_request(model, opts->request);
    if (!resolved) {
        std::fprintf(stderr, "gwctl explain: %s\n", resolved.error().c_str());
        return kExitError;
    }
    auto ex = explain::walk(model, resolved->query);
    ex.notes.insert(ex.notes.begin(), resolved->notes.begin(), resolved->notes.end());
    ex.notes.insert(ex.notes.end(), notes.begin(), notes.end());
    std::string out = opts->json ? explain::render_json(ex, opts->file) : explain::render_text(ex, opts->file);
    std::fputs(out.c_str(), stdout);
    return kExitOk;
}

}  // namespace gw::ctl
