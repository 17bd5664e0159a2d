// The real nft's verdict on what render_ruleset() writes, in a network
// namespace of the test's own (root; skipped otherwise): every golden case
// passes `nft -c -f`, its replace form loads with `nft -f` into an empty
// namespace and again over itself (the atomic replacement gatewayd relies
// on), and a ruleset with 1,000 forwards loads as well.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>

#include "rules/nft/render.hpp"
#include "tests/golden/golden_cases.hpp"
#include "tests/nft/builders.hpp"

using namespace gw;
namespace fs = std::filesystem;
using gw::test::env_path;

namespace {

struct Run {
    int status = -1;
    std::string output;
};

Run run(const std::string& command) {
    Run r;
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    while (auto n = std::fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
    r.status = pclose(p);
    return r;
}

// The path goes through the shell: only [A-Za-z0-9-] from the name.
fs::path scratch_file(std::string name, const std::string& text) {
    for (auto& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') ch = '_';
    auto path = fs::temp_directory_path() / ("gw-nft-accept-" + std::to_string(getpid()) + "-" + name + ".nft");
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

// Debian 12's nft (1.0.6) cannot parse `meta broute set 1` (nftables
// 1.0.8 can): the daemon sends it through libnftnl, and the kernel tests
// and the vm tier load it. Likewise `ct` in a bridge table needs
// nf_conntrack_bridge, which some kernels (this host's) lack: the vm tier
// loads that path. Such rules are left out here, and the test says so.
bool needs_missing(const nft::Table& t, const nft::Rule& r, bool bridge_ct) {
    for (const auto& s : r.stmts) {
        if (const auto* m = std::get_if<nft::SetMeta>(&s); m && m->target == nft::SetTarget::meta_broute)
            return true;
        if (const auto* b = std::get_if<nft::AnyBits>(&s);
            b && b->key == nft::Key::ct_state && t.family == nft::TableFamily::bridge && !bridge_ct)
            return true;
    }
    return false;
}

bool kernel_has_bridge_conntrack() {
    static const bool has = [] {
        auto probe = scratch_file("bridge-ct-probe",
                                  "table bridge gw_probe {\n chain f {\n  type filter hook forward priority filter;\n"
                                  "  ct state established accept\n }\n}\n");
        bool ok = run("nft -f " + probe.string()).status == 0;
        run("nft delete table bridge gw_probe");
        fs::remove(probe);
        return ok;
    }();
    return has;
}

bool kernel_has_flowtable() {
    static const bool has = [] {
        auto probe = scratch_file("flowtable-probe", "table inet gw_probe {\n flowtable f {\n  hook ingress priority filter\n }\n}\n");
        bool ok = run("nft -f " + probe.string()).status == 0;
        run("nft delete table inet gw_probe");
        fs::remove(probe);
        return ok;
    }();
    return has;
}

bool offloads(const nft::Rule& r) {
    return std::any_of(r.stmts.begin(), r.stmts.end(),
                       [](const nft::Stmt& s) { return std::holds_alternative<nft::FlowOffload>(s); });
}

// A flowtable only takes links that exist, and this namespace has none of
// the config's: its devices go; without nf_flow_table (this host) the
// flowtables and their `flow add` rules go too, and the test says so (the
// vm tier loads them).
void flowtables_here(const std::string& label, nft::Ruleset& rs) {
    bool has = kernel_has_flowtable();
    std::size_t removed = 0;
    for (auto& t : rs.tables) {
        for (auto& f : t.flowtables) f.devices.clear();
        if (has || t.flowtables.empty()) continue;
        removed += t.flowtables.size();
        t.flowtables.clear();
        for (auto& c : t.chains) std::erase_if(c.rules, offloads);
    }
    if (removed)
        std::cout << "skip " << label << ", its flowtable and `flow add` rule: this kernel has no nf_flow_table"
                  << " (the vm tier loads them)\n";
}

nft::Ruleset loadable_here(const std::string& label, nft::Ruleset rs) {
    flowtables_here(label, rs);
    bool bridge_ct = kernel_has_bridge_conntrack();
    std::size_t removed = 0;
    for (auto& t : rs.tables)
        for (auto& c : t.chains)
            removed += std::erase_if(c.rules, [&](const nft::Rule& r) { return needs_missing(t, r, bridge_ct); });
    // A skip line (scripts/test_summary.py counts it): these rules are not checked here.
    if (removed)
        std::cout << "skip " << label << ", its " << removed << " rules with `meta broute`"
                  << (bridge_ct ? "" : " or bridge-family `ct`") << ": this nft cannot parse `meta broute`"
                  << (bridge_ct ? "" : "; this kernel has no nf_conntrack_bridge") << " (the vm tier loads them)\n";
    return rs;
}

// Checks, loads twice in replace form, then removes the tables again.
void check_ruleset(const std::string& label, const nft::Ruleset& rs_in) {
    INFO(label);
    auto rs = loadable_here(label, rs_in);
    auto plain = scratch_file(label, nft::render_ruleset(rs));
    nft::RenderOptions replace_opt;
    replace_opt.replace = true;
    auto replace = scratch_file(label + "-replace", nft::render_ruleset(rs, replace_opt));
    auto check = run("nft -c -f " + plain.string());
    CHECK_MESSAGE(check.status == 0, "nft -c -f rejected it:\n" << check.output);
    auto first = run("nft -f " + replace.string());
    CHECK_MESSAGE(first.status == 0, "nft -f (table absent) failed:\n" << first.output);
    auto again = run("nft -f " + replace.string());
    CHECK_MESSAGE(again.status == 0, "nft -f (table present) failed:\n" << again.output);
    run("nft delete table inet gatewayd");
    run("nft delete table bridge gatewayd");
    fs::remove(plain);
    fs::remove(replace);
    std::cout << "nft accepted " << label << "\n";
}

}  // namespace

TEST_CASE("nft accepts every golden ruleset") {
    auto cases = test::golden_cases(env_path("GW_GOLDEN_DIR"), env_path("GW_EXAMPLES_DIR"));
    REQUIRE(cases.size() > 0);
    for (const auto& c : cases) {
        auto compiled = test::compile_case(c);
        REQUIRE_MESSAGE(compiled.ruleset, c.name << " does not parse:\n" << compiled.errors);
        check_ruleset(c.name + " (" + c.config.filename().string() + ")", *compiled.ruleset);
    }
}

TEST_CASE("nft accepts a ruleset with 1,000 forwards") {
    auto c = test::home_config();
    for (int i = 0; i < 1000; ++i)
        c.nat.forwards.push_back(test::forward("f" + std::to_string(i), config::Proto::tcp_udp,
                                               {test::ports(static_cast<std::uint16_t>(10000 + i),
                                                            static_cast<std::uint16_t>(10000 + i))},
                                               "172.16.1.10", i + 1));
    check_ruleset("1000-forwards", rules::compile_ruleset(c, {}));
}

int main(int argc, char** argv) {
    if (geteuid() != 0) {
        std::cout << "skipping: needs root (a network namespace of its own)\n";
        return 77;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        std::perror("skipping: unshare(CLONE_NEWNET)");
        return 77;
    }
    if (run("nft --version").status != 0) {
        std::cout << "nft not found: apt-get install nftables\n";
        return 1;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
