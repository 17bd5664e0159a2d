// The Controller on the in-memory kernels with hand-driven time: READY
// after the first reconcile, events coalesced by the debounce timer,
// transient failures retried with back-off, confirm and rollback, and a
// failed apply that leaves the previous configuration live.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "daemon/reconcile/controller.hpp"
#include "tests/daemon/fixture.hpp"
#include "tests/daemon/manual_time.hpp"

using namespace gw;
using namespace std::chrono_literals;

namespace {

struct RecordingNotifier final : loop::Notifier {
    int ready_count = 0;
    std::vector<std::string> statuses;
    void ready() override { ++ready_count; }
    void status(std::string_view t) override { statuses.emplace_back(t); }
    void reloading() override {}
    void stopping() override {}
};

// A temporary directory with the config file and the run directory.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/gwctrl-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name) << text;
        return (path / name).string();
    }
};

std::string with_port(std::string text, int port) {
    text.replace(text.find("port: 443"), 9, "port: " + std::to_string(port));
    return text;
}

bool forwards_port(const nft::Ruleset& rs, std::uint64_t port) {
    for (const auto& t : rs.tables)
        for (const auto& s : t.sets)
            if (s.name == "fwd4")
                for (const auto& e : s.elements)
                    if (e.key.size() == 2 && e.key[1] == nft::Value{port}) return true;
    return false;
}

struct Harness {
    TempDir dir;
    test::Gateway gw;
    test::ManualTime time;
    RecordingNotifier notifier;
    std::string config_path = dir.write("gateway.yaml", test::kBaseConfig);
    std::unique_ptr<reconcile::Controller> ctl;

    explicit Harness(std::string run_dir = "", std::string generations_dir = "", unsigned keep = 10) {
        reconcile::ControllerOptions o;
        o.config_path = config_path;
        o.generations_dir = generations_dir;
        o.keep_generations = keep;
        o.run_dir = run_dir.empty() ? (dir.path / "run").string() : run_dir;
        std::filesystem::create_directories(o.run_dir);
        o.debounce = 50ms;
        o.debounce_max = 1s;
        o.retry_first = 500ms;
        o.retry_max = 4s;
        ctl = std::make_unique<reconcile::Controller>(gw.reconciler, gw.accounts, time, notifier, o);
    }
};

}  // namespace

TEST_CASE("start applies the file and sends READY once") {
    Harness h;
    REQUIRE(h.ctl->start());
    CHECK(h.notifier.ready_count == 1);
    CHECK(h.ctl->state() == reconcile::DaemonState::running);
    CHECK(forwards_port(h.gw.nft.tables(), 443));
    REQUIRE(h.ctl->last_apply());
    CHECK(h.ctl->last_apply()->trigger == "start");
    CHECK(h.ctl->last_apply()->ok);
    h.ctl->kernel_changed(false);
    h.time.advance(1s);
    CHECK(h.notifier.ready_count == 1);
}

TEST_CASE("an invalid file at start is an error and nothing is applied") {
    Harness h;
    h.dir.write("gateway.yaml", "version: 1\nnat:\n  hairpin: maybe\n");
    auto r = h.ctl->start();
    REQUIRE_FALSE(r);
    CHECK(r.error().find("gateway.yaml:3:") != std::string::npos);
    CHECK(h.gw.nft.applies() == 0);
    CHECK(h.notifier.ready_count == 0);
}

TEST_CASE("without a config file the daemon is ready, owns nothing and says so; reload takes the file") {
    Harness h;
    std::filesystem::remove(h.config_path);
    REQUIRE(h.ctl->start());
    CHECK(h.notifier.ready_count == 1);
    CHECK(h.ctl->state() == reconcile::DaemonState::unconfigured);
    CHECK(h.gw.nft.applies() == 0);
    CHECK(h.ctl->status().config.find("does not exist") != std::string::npos);
    h.ctl->kernel_changed(false);
    h.time.advance(1s);
    CHECK(h.gw.nft.applies() == 0);
    h.dir.write("gateway.yaml", test::kBaseConfig);
    REQUIRE(h.ctl->reload());
    CHECK(h.ctl->state() == reconcile::DaemonState::running);
    CHECK(forwards_port(h.gw.nft.tables(), 443));
}

TEST_CASE("a burst of kernel events runs one reconcile after the debounce delay") {
    Harness h;
    REQUIRE(h.ctl->start());
    int before = h.ctl->reconciles();
    for (int i = 0; i < 100; ++i) {
        h.ctl->kernel_changed(false);
        h.time.advance(1ms);
    }
    CHECK(h.ctl->reconciles() == before);  // still within the burst
    h.time.advance(60ms);
    CHECK(h.ctl->reconciles() == before + 1);
    h.time.advance(10s);
    CHECK(h.ctl->reconciles() == before + 1);
}

TEST_CASE("drift found by an event-driven reconcile is repaired") {
    Harness h;
    REQUIRE(h.ctl->start());
    auto wanted = h.gw.nft.tables();
    h.gw.nft.edit_tables().tables.clear();
    h.ctl->kernel_changed(false);
    h.time.advance(100ms);
    CHECK(h.gw.nft.tables() == wanted);
    CHECK(h.ctl->last_apply()->trigger == "event");
    CHECK(h.ctl->last_apply()->changed);
}

// Kernel events trust the last apply while the nft generation stands: an
// address change reads links and addresses, not gatewayd's tables.
TEST_CASE("an uplink address event updates elements without reading the tables; lost events read them") {
    Harness h;
    REQUIRE(h.ctl->start());
    auto dumps = h.gw.nft.dumps();
    auto& addrs = h.gw.net.kernel().addresses;
    std::erase_if(addrs, [](const netstate::Address& a) { return a.ifname == "wan0"; });
    addrs.push_back({"wan0", *net::Prefix::parse("192.0.2.77/24"), {}});
    h.ctl->kernel_changed(false);
    h.time.advance(100ms);
    CHECK(h.ctl->last_apply()->trigger == "event");
    CHECK(h.ctl->last_apply()->changed);
    CHECK(h.gw.nft.element_updates() == 1);
    CHECK(h.gw.nft.applies() == 1);
    CHECK(h.gw.nft.dumps() == dumps);

    h.ctl->kernel_changed(true);  // an overrun: events were lost
    h.time.advance(100ms);
    CHECK(h.gw.nft.dumps() == dumps + 1);
    CHECK(h.gw.nft.applies() == 1);
}

TEST_CASE("a transient failure is retried with back-off until it succeeds") {
    Harness h;
    h.gw.net.remove_link("lan0");  // the LAN device has not appeared yet
    REQUIRE(h.ctl->start());
    CHECK(h.ctl->state() == reconcile::DaemonState::retrying);
    CHECK(h.notifier.ready_count == 1);  // the firewall is in place; the address waits
    int n = h.ctl->reconciles();
    h.time.advance(499ms);
    CHECK(h.ctl->reconciles() == n);
    h.time.advance(2ms);
    CHECK(h.ctl->reconciles() == n + 1);  // first retry after 500 ms
    h.time.advance(998ms);
    CHECK(h.ctl->reconciles() == n + 1);
    h.time.advance(2ms);
    CHECK(h.ctl->reconciles() == n + 2);  // then 1 s later
    h.gw.net.add_device("lan0");
    h.time.advance(2s);
    CHECK(h.ctl->reconciles() == n + 3);
    CHECK(h.ctl->state() == reconcile::DaemonState::running);
    h.time.advance(30s);
    CHECK(h.ctl->reconciles() == n + 3);  // no retries once in sync
}

TEST_CASE("apply with confirm rolls back when no confirm arrives") {
    Harness h;
    REQUIRE(h.ctl->start());
    auto out = h.ctl->apply({with_port(test::kBaseConfig, 8443), false}, 30);
    REQUIRE(out);
    CHECK(out->changed);
    CHECK(forwards_port(h.gw.nft.tables(), 8443));
    CHECK(h.ctl->confirm_pending());
    CHECK(std::filesystem::exists(h.dir.path / "run" / "rollback.yaml"));
    h.time.advance(29s);
    CHECK(forwards_port(h.gw.nft.tables(), 8443));
    h.time.advance(2s);
    CHECK(forwards_port(h.gw.nft.tables(), 443));
    CHECK_FALSE(forwards_port(h.gw.nft.tables(), 8443));
    CHECK_FALSE(h.ctl->confirm_pending());
    REQUIRE(h.ctl->status().last_rollback);
    CHECK(h.ctl->status().last_rollback->reason == "not confirmed within 30 s");
    CHECK(h.ctl->last_apply()->trigger == "rollback");
    CHECK_FALSE(std::filesystem::exists(h.dir.path / "run" / "rollback.yaml"));
}

TEST_CASE("confirm keeps the new configuration") {
    Harness h;
    REQUIRE(h.ctl->start());
    REQUIRE(h.ctl->apply({with_port(test::kBaseConfig, 8443), false}, 30));
    REQUIRE(h.ctl->confirm());
    h.time.advance(60s);
    CHECK(forwards_port(h.gw.nft.tables(), 8443));
    CHECK_FALSE(h.ctl->confirm());  // nothing pending any more
    CHECK(h.ctl->confirm().error().name == "NoPendingConfirm");
}

TEST_CASE("a second apply during a pending confirm keeps the first rollback target") {
    Harness h;
    REQUIRE(h.ctl->start());
    REQUIRE(h.ctl->apply({with_port(test::kBaseConfig, 8443), false}, 30));
    REQUIRE(h.ctl->apply({with_port(test::kBaseConfig, 9443), false}, 30));
    h.time.advance(31s);
    CHECK(forwards_port(h.gw.nft.tables(), 443));  // the last confirmed one
}

TEST_CASE("a daemon restarted during a pending confirm comes back with the confirmed config") {
    TempDir run;
    {
        Harness h(run.path.string());
        REQUIRE(h.ctl->start());
        REQUIRE(h.ctl->apply({with_port(test::kBaseConfig, 8443), false}, 30));
        // The daemon dies here; its kernel state stays.
    }
    Harness h(run.path.string());
    h.dir.write("gateway.yaml", with_port(test::kBaseConfig, 7443));  // the file was edited, unconfirmed
    REQUIRE(h.ctl->start());
    CHECK(h.ctl->last_apply()->trigger == "restart-rollback");
    CHECK(forwards_port(h.gw.nft.tables(), 443));
    CHECK(h.ctl->status().last_rollback.has_value());
    CHECK_FALSE(std::filesystem::exists(run.path / "rollback.yaml"));
}

TEST_CASE("an invalid apply changes nothing and says where") {
    Harness h;
    REQUIRE(h.ctl->start());
    auto before = h.gw.nft.tables();
    auto r = h.ctl->apply({"version: 1\nfirewall:\n  input:\n    policy: maybe\n", false}, 0);
    REQUIRE_FALSE(r);
    CHECK(r.error().name == "InvalidConfig");
    CHECK(r.error().message.find("<bus>:4:") != std::string::npos);
    CHECK(h.gw.nft.tables() == before);
}

TEST_CASE("a rejected apply keeps the previous configuration live") {
    Harness h;
    REQUIRE(h.ctl->start());
    auto before = h.gw.nft.tables();
    h.gw.nft.fail_next(EINVAL);
    auto r = h.ctl->apply({with_port(test::kBaseConfig, 8443), false}, 30);
    REQUIRE_FALSE(r);
    CHECK(r.error().name == "ApplyFailed");
    CHECK(h.gw.nft.tables() == before);
    CHECK_FALSE(h.ctl->confirm_pending());
    CHECK(h.ctl->active()->source.label == h.config_path);
}

TEST_CASE("reload re-reads the file; a broken file keeps the running config") {
    Harness h;
    REQUIRE(h.ctl->start());
    h.dir.write("gateway.yaml", with_port(test::kBaseConfig, 8443));
    REQUIRE(h.ctl->reload());
    CHECK(forwards_port(h.gw.nft.tables(), 8443));
    h.dir.write("gateway.yaml", "version: 7\n");
    CHECK_FALSE(h.ctl->reload());
    CHECK(forwards_port(h.gw.nft.tables(), 8443));
}

TEST_CASE("diff and check answer without changing the kernel") {
    Harness h;
    REQUIRE(h.ctl->start());
    auto none = h.ctl->diff({"", true});
    REQUIRE(none);
    CHECK_FALSE(none->changed);
    auto some = h.ctl->diff({with_port(test::kBaseConfig, 8443), false});
    REQUIRE(some);
    CHECK(some->changed);
    CHECK(some->diff.find("8443") != std::string::npos);
    CHECK(forwards_port(h.gw.nft.tables(), 443));
    auto ok = h.ctl->check({with_port(test::kBaseConfig, 8443), false});
    CHECK(ok.valid);
    auto bad = h.ctl->check({"version: 1\nbogus: 1\n", false});
    CHECK_FALSE(bad.valid);
    CHECK(bad.json.find("\"line\":2") != std::string::npos);
}

TEST_CASE("the uplink seam hears of every config that becomes live, and of the facts") {
    Harness h;
    std::vector<std::string> live;
    int facts_seen = 0;
    h.ctl->on_config_active.add([&](const config::LoadedConfig& c) { live.push_back(c.source.label); });
    h.ctl->on_facts.add([&](const rules::Facts& f) { facts_seen += f.uplink_ifnames.at("wan") == "wan0"; });
    h.ctl->add_status.add([](status::StatusReport& s) { s.uplinks.at(0).state = "supervised"; });
    REQUIRE(h.ctl->start());
    REQUIRE(h.ctl->apply({with_port(test::kBaseConfig, 8443), false}, 5));
    h.time.advance(6s);  // not confirmed: rolled back
    CHECK(live == std::vector<std::string>{h.config_path, "<bus>", h.config_path});
    CHECK(facts_seen == 3);
    CHECK(h.ctl->status().uplinks.at(0).state == "supervised");
}

// ---- persistent apply: the config file and its generations ----------------------

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A controller in persistent mode whose run and generations folders outlive it,
// like /run and /var/lib across a daemon restart.
struct Persistent {
    TempDir state;
    std::string gens = (state.path / "generations").string();
    std::unique_ptr<Harness> h = make();
    std::unique_ptr<Harness> make(unsigned keep = 10) {
        return std::make_unique<Harness>((state.path / "run").string(), gens, keep);
    }
};

}  // namespace

TEST_CASE("a committed apply replaces the config file and adds a generation; a restart keeps it") {
    Persistent p;
    REQUIRE(p.h->ctl->start());
    auto next = with_port(test::kBaseConfig, 8443);
    REQUIRE(p.h->ctl->apply({next, false}, 0, {"alice", "apply"}));
    CHECK(read_text(p.h->config_path) == next);
    auto gens = p.h->ctl->history();
    REQUIRE(gens.size() == 2);
    CHECK(gens[0].user == "start");
    CHECK(gens[1].user == "alice");
    CHECK(gens[1].summary.find("apply: ") == 0);
    CHECK(p.h->ctl->status().config == p.h->config_path);
    // A restart reads the file: what was applied stays applied.
    auto path = p.h->config_path;
    reconcile::ControllerOptions o;
    o.config_path = path;
    o.generations_dir = p.gens;
    test::Gateway fresh;
    test::ManualTime time;
    RecordingNotifier notifier;
    reconcile::Controller again(fresh.reconciler, fresh.accounts, time, notifier, o);
    REQUIRE(again.start());
    CHECK(forwards_port(fresh.nft.tables(), 8443));
    CHECK(again.history().size() == 2);  // nothing new: the file is the newest generation
}

TEST_CASE("an unconfirmed apply leaves the file and the generations as they were") {
    Persistent p;
    REQUIRE(p.h->ctl->start());
    auto before = read_text(p.h->config_path);
    REQUIRE(p.h->ctl->apply({with_port(test::kBaseConfig, 8443), false}, 30));
    CHECK(forwards_port(p.h->gw.nft.tables(), 8443));
    CHECK(read_text(p.h->config_path) == before);  // not committed yet
    p.h->time.advance(31s);
    CHECK(forwards_port(p.h->gw.nft.tables(), 443));
    CHECK(read_text(p.h->config_path) == before);
    CHECK(p.h->ctl->history().size() == 1);
    // No staged copy is left behind either.
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(p.h->dir.path)) files += e.is_regular_file();
    CHECK(files == 1);
}

TEST_CASE("a confirmed apply is committed when the confirm comes") {
    Persistent p;
    REQUIRE(p.h->ctl->start());
    auto next = with_port(test::kBaseConfig, 8443);
    REQUIRE(p.h->ctl->apply({next, false}, 30, {"bob", "apply"}));
    REQUIRE(p.h->ctl->confirm());
    CHECK(read_text(p.h->config_path) == next);
    REQUIRE(p.h->ctl->history().size() == 2);
    CHECK(p.h->ctl->history().back().summary.find("(confirmed)") != std::string::npos);
    p.h->time.advance(31s);
    CHECK(forwards_port(p.h->gw.nft.tables(), 8443));
}

TEST_CASE("a rejected apply leaves file, generations and kernel as they were") {
    Persistent p;
    REQUIRE(p.h->ctl->start());
    auto before = read_text(p.h->config_path);
    auto tables = p.h->gw.nft.tables();
    p.h->gw.nft.fail_next(EINVAL);
    CHECK_FALSE(p.h->ctl->apply({with_port(test::kBaseConfig, 8443), false}, 0));
    CHECK(p.h->gw.nft.tables() == tables);
    CHECK(read_text(p.h->config_path) == before);
    CHECK(p.h->ctl->history().size() == 1);
}

TEST_CASE("where the generations cannot be written, the apply fails before the kernel changes") {
    TempDir state;
    std::ofstream(state.path / "not-a-folder") << "x";
    Harness h((state.path / "run").string(), (state.path / "not-a-folder" / "generations").string());
    REQUIRE(h.ctl->start());
    auto before = read_text(h.config_path);
    int applies = h.gw.nft.applies();
    auto r = h.ctl->apply({with_port(test::kBaseConfig, 8443), false}, 0);
    REQUIRE_FALSE(r);
    CHECK(r.error().name == "WriteFailed");
    CHECK(r.error().message.find("not-a-folder") != std::string::npos);
    CHECK(r.error().message.find("the kernel is unchanged") != std::string::npos);
    CHECK(h.gw.nft.applies() == applies);
    CHECK(read_text(h.config_path) == before);
}

TEST_CASE("rollback applies an earlier generation as a new one; only the newest N are kept") {
    Persistent p;
    p.h = p.make(3);
    REQUIRE(p.h->ctl->start());                                               // generation 1: 443
    REQUIRE(p.h->ctl->apply({with_port(test::kBaseConfig, 8443), false}, 0));  // 2
    REQUIRE(p.h->ctl->apply({with_port(test::kBaseConfig, 9443), false}, 0));  // 3
    REQUIRE(p.h->ctl->rollback(0, 0, "carol"));                                // 4: generation 2 again
    CHECK(forwards_port(p.h->gw.nft.tables(), 8443));
    CHECK(read_text(p.h->config_path) == with_port(test::kBaseConfig, 8443));
    auto gens = p.h->ctl->history();
    REQUIRE(gens.size() == 3);
    CHECK(gens.front().number == 2);
    CHECK(gens.back().number == 4);
    CHECK(gens.back().user == "carol");
    CHECK(gens.back().summary.find("rollback to generation 3") == std::string::npos);
    CHECK(gens.back().summary.find("rollback to generation 2") == 0);
    CHECK_FALSE(p.h->ctl->rollback(1, 0, "carol"));  // pruned
    CHECK(p.h->ctl->rollback(1, 0, "carol").error().name == "NoSuchGeneration");
}

TEST_CASE("a file edited by hand and reloaded joins the history") {
    Persistent p;
    REQUIRE(p.h->ctl->start());
    p.h->dir.write("gateway.yaml", with_port(test::kBaseConfig, 7443));
    REQUIRE(p.h->ctl->reload());
    auto gens = p.h->ctl->history();
    REQUIRE(gens.size() == 2);
    CHECK(gens.back().user == "reload");
    REQUIRE(p.h->ctl->reload());
    CHECK(p.h->ctl->history().size() == 2);  // unchanged text: no new generation
}
