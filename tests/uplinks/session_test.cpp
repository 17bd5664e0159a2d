// The session state machine and the supervisor with hand-driven time and
// a fake launcher: connecting -> up -> retrying with back-off and jitter,
// stop in every state (nothing left running, no retry after it), hooks in
// order with their environment and timeout, restarts on pppd setting
// changes only.
#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>

#include "daemon/config/file.hpp"
#include "daemon/uplinks/pppd_args.hpp"
#include "daemon/uplinks/supervisor.hpp"
#include "tests/daemon/manual_time.hpp"
#include "tests/uplinks/uplinks_fake.hpp"

using namespace gw;
using namespace std::chrono_literals;

namespace {

const std::string kIsp = R"(version: 1
uplinks:
  isp:
    kind: pppoe
    device: wan0
    username: user@isp.example
    password-file: /etc/gatewayd/isp.password
    on-up: echo up
    on-down: echo down
    hook-timeout: 7
)";

config::LoadedConfig load(const std::string& text) {
    auto cfg = config::load_config({text, "gw.yaml"}, nullptr);
    if (!cfg) FAIL(cfg.error().message);
    return std::move(*cfg);
}

std::vector<net::Address> addr(const char* text) { return {*net::Address::parse(text)}; }

bool has_env(const test::FakeChild& c, const std::string& kv) {
    return std::find(c.request.env.begin(), c.request.env.end(), kv) != c.request.env.end();
}

struct Rig {
    test::ManualTime time;
    test::FakeLauncher launcher;
    uplinks::HookRunner hooks{launcher, time};
    uplinks::SystemTime wall{std::chrono::seconds(1700000000)};
    std::string password = "s3cret";
    std::string password_error;  // "" = the file is fine
    uplinks::SessionSettings settings;
    std::unique_ptr<uplinks::Session> session;

    Rig() {
        settings.retry_first = 1s;
        settings.retry_max = 8s;
        settings.stop_grace = 5s;
        settings.stable_up = 60s;
    }

    uplinks::SessionDeps deps() {
        return {launcher, time, hooks, [] { return 0.5; }, [this] { return wall + (time.now() - loop::Clock::time_point{}); },
                [this](const config::Uplink&, const std::string&) -> std::expected<std::string, std::string> {
                    if (!password_error.empty()) return std::unexpected(password_error);
                    return password;
                }};
    }

    void make(const std::string& text = kIsp) {
        session = std::make_unique<uplinks::Session>(load(text).config.uplinks.at(0), settings, deps());
    }
    // pppd children only (hooks run /bin/sh).
    std::vector<test::FakeChild*> pppds() {
        std::vector<test::FakeChild*> out;
        for (auto& c : launcher.children)
            if (c->request.argv.at(0) != "/bin/sh") out.push_back(c.get());
        return out;
    }
    std::vector<test::FakeChild*> hook_runs() {
        std::vector<test::FakeChild*> out;
        for (auto& c : launcher.children)
            if (c->request.argv.at(0) == "/bin/sh") out.push_back(c.get());
        return out;
    }
};

}  // namespace

TEST_CASE("session: pppd gets its argv and the password on a descriptor; up on an IPv4 address") {
    Rig r;
    r.make();
    r.session->start();
    REQUIRE(r.pppds().size() == 1);
    auto& pppd = *r.pppds()[0];
    CHECK(pppd.request.argv.at(0) == "/usr/sbin/pppd");
    CHECK(pppd.request.secret == "s3cret");
    CHECK(pppd.request.secret_fd == uplinks::kPasswordFd);
    for (const auto& w : pppd.request.argv) CHECK(w.find("s3cret") == std::string::npos);
    CHECK(r.session->state() == uplinks::SessionState::connecting);

    pppd.say("remote IP address 100.64.0.1");
    pppd.say("primary   DNS address 192.0.2.53");
    r.session->on_addresses(addr("fe80::1"));  // link-local only: not up yet
    CHECK(r.session->state() == uplinks::SessionState::connecting);
    r.time.advance(3s);
    r.session->on_addresses({*net::Address::parse("fe80::1"), *net::Address::parse("100.64.0.2")});
    CHECK(r.session->state() == uplinks::SessionState::up);
    auto st = r.session->status();
    CHECK(st.state == "up");
    CHECK(st.address == "100.64.0.2");
    CHECK(st.peer == "100.64.0.1");
    CHECK(st.dns == std::vector<std::string>{"192.0.2.53"});
    CHECK(st.since == r.wall + 3s);
    REQUIRE(st.history.size() == 1);
    CHECK(st.history[0].address == "100.64.0.2");

    REQUIRE(r.hook_runs().size() == 1);
    auto& hook = *r.hook_runs()[0];
    CHECK(hook.request.argv == std::vector<std::string>{"/bin/sh", "-c", "echo up"});
    for (const char* kv : {"UPLINK=isp", "IFACE=isp", "ADDRESS=100.64.0.2", "PEER=100.64.0.1", "DNS=192.0.2.53"})
        CHECK_MESSAGE(has_env(hook, kv), kv);
}

TEST_CASE("session: a lost link retries with growing back-off; the history keeps the old address") {
    Rig r;
    r.make();
    r.session->start();
    r.session->on_addresses(addr("100.64.0.2"));
    r.hook_runs().at(0)->exit(0);
    r.time.advance(10s);
    r.pppds()[0]->say("LCP: no response to 4 echo-requests");
    r.pppds()[0]->exit(15);
    auto st = r.session->status();
    CHECK(st.state == "retrying");
    CHECK(st.reason.find("link lost") != std::string::npos);
    CHECK(st.reason.find("LCP echo") != std::string::npos);
    CHECK(st.next_retry == r.wall + 10s + 1s);  // first delay, jitter 0.5 = no stretch
    REQUIRE(st.history.size() == 1);
    CHECK(st.history[0].until == r.wall + 10s);
    CHECK(st.lifetimes == 1);
    CHECK(st.mean_lifetime == 10);
    // on-down ran with the address that went away.
    REQUIRE(r.hook_runs().size() == 2);
    CHECK(has_env(*r.hook_runs()[1], "ADDRESS=100.64.0.2"));
    CHECK(r.hook_runs()[1]->request.argv.at(2) == "echo down");

    r.time.advance(999ms);
    CHECK(r.pppds().size() == 1);
    r.time.advance(1ms);
    REQUIRE(r.pppds().size() == 2);
    CHECK(r.session->status().reconnects == 1);
    // It fails again before coming up: the next wait doubles.
    r.pppds()[1]->exit(10);
    CHECK(r.session->status().next_retry == r.wall + 11s + 2s);
    r.time.advance(2s);
    REQUIRE(r.pppds().size() == 3);
    r.session->on_addresses(addr("100.64.0.9"));
    st = r.session->status();
    CHECK(st.reconnects == 2);
    REQUIRE(st.history.size() == 2);
    CHECK(st.history[1].address == "100.64.0.9");
}

TEST_CASE("session: a new address while up ends the old one's life and runs on-up again") {
    Rig r;
    r.make();
    r.session->start();
    r.session->on_addresses(addr("100.64.0.2"));
    r.hook_runs().at(0)->exit(0);
    r.time.advance(30s);
    r.session->on_addresses(addr("100.64.0.7"));
    auto st = r.session->status();
    CHECK(st.state == "up");
    CHECK(st.address == "100.64.0.7");
    REQUIRE(st.history.size() == 2);
    CHECK(st.history[0].until == r.wall + 30s);
    CHECK(st.reconnects == 0);
    REQUIRE(r.hook_runs().size() == 2);
    CHECK(has_env(*r.hook_runs()[1], "ADDRESS=100.64.0.7"));
    CHECK(r.hook_runs()[1]->request.argv.at(2) == "echo up");
}

TEST_CASE("session: back-off reaches its ceiling, and a long-lived session starts it over") {
    Rig r;
    r.make();
    r.session->start();
    std::vector<loop::Duration> waits;
    for (int i = 0; i < 6; ++i) {
        auto before = r.time.now();
        r.pppds().back()->exit(10);
        auto n = r.pppds().size();
        while (r.pppds().size() == n) r.time.advance(100ms);
        waits.push_back(std::chrono::duration_cast<loop::Duration>(r.time.now() - before));
    }
    CHECK(waits == std::vector<loop::Duration>{1s, 2s, 4s, 8s, 8s, 8s});
    r.session->on_addresses(addr("100.64.0.2"));
    r.time.advance(61s);
    r.pppds().back()->exit(15);
    CHECK(r.session->status().next_retry == r.session->status().since.value() + 1s);
}

TEST_CASE("session: jitter from the source spreads the wait") {
    Rig r;
    r.make();
    auto deps = r.deps();
    deps.jitter = [] { return 0.0; };
    uplinks::Session s(load(kIsp).config.uplinks.at(0), r.settings, deps);
    s.start();
    r.pppds().back()->exit(1);
    CHECK(s.status().next_retry == r.wall + 800ms);
}

TEST_CASE("session: stop while retrying disarms the timer and leaves nothing") {
    Rig r;
    r.make();
    r.session->start();
    r.pppds()[0]->exit(10);
    CHECK(r.session->state() == uplinks::SessionState::retrying);
    bool done = false;
    r.session->stop([&] { done = true; });
    CHECK(done);
    CHECK(r.session->state() == uplinks::SessionState::disabled);
    CHECK_FALSE(r.session->status().next_retry);
    r.time.advance(10min);
    CHECK(r.pppds().size() == 1);
    CHECK(r.launcher.running() == 0);
}

TEST_CASE("session: stop while connecting sends SIGTERM, then SIGKILL after the grace period") {
    Rig r;
    r.make();
    r.session->start();
    bool done = false;
    r.session->stop([&] { done = true; });
    auto& pppd = *r.pppds()[0];
    CHECK(pppd.signals == std::vector<int>{SIGTERM});
    CHECK_FALSE(done);
    r.time.advance(4s);
    CHECK(pppd.signals == std::vector<int>{SIGTERM});
    r.time.advance(1s);
    CHECK(pppd.signals == std::vector<int>{SIGTERM, SIGKILL});
    pppd.exit(SIGKILL, true);
    CHECK(done);
    CHECK(r.session->state() == uplinks::SessionState::disabled);
    r.time.advance(10min);
    CHECK(r.pppds().size() == 1);  // no retry after a stop
}

TEST_CASE("session: stop while up runs on-down (or not, at shutdown) and needs no SIGKILL when pppd obeys") {
    for (bool hooks : {true, false}) {
        CAPTURE(hooks);
        Rig r;
        r.make();
        r.session->start();
        r.session->on_addresses(addr("100.64.0.2"));
        r.hook_runs().at(0)->exit(0);
        bool done = false;
        r.session->stop([&] { done = true; }, hooks);
        r.pppds()[0]->exit(5);
        CHECK(done);
        r.time.advance(10s);
        CHECK(r.pppds()[0]->signals == std::vector<int>{SIGTERM});
        CHECK(r.hook_runs().size() == (hooks ? 2u : 1u));
        CHECK(r.session->status().history.at(0).until.has_value());
    }
}

TEST_CASE("session: an unusable password file is a retrying state with the reason; nothing is started") {
    Rig r;
    r.password_error = "gw.yaml:7:20: uplink isp: password-file /x has mode 0644";
    r.make();
    r.session->start();
    CHECK(r.pppds().empty());
    CHECK(r.session->status().state == "retrying");
    CHECK(r.session->status().reason == r.password_error);
    r.password_error.clear();
    r.time.advance(1s);
    CHECK(r.pppds().size() == 1);
}

TEST_CASE("session: a pppd that cannot be started is retried") {
    Rig r;
    r.make();
    r.launcher.fail_next = true;
    r.session->start();
    CHECK(r.session->status().reason.find("no such file") != std::string::npos);
    r.time.advance(1s);
    CHECK(r.pppds().size() == 1);
}

TEST_CASE("hooks: one at a time per uplink, killed at the timeout") {
    Rig r;
    r.make();
    r.session->start();
    r.session->on_addresses(addr("100.64.0.2"));
    r.session->on_addresses({});  // the address went away while on-up still runs
    REQUIRE(r.hook_runs().size() == 1);  // on-down waits for on-up
    auto& up = *r.hook_runs()[0];
    r.time.advance(6s);
    CHECK(up.signals.empty());
    r.time.advance(1s);
    CHECK(up.signals == std::vector<int>{SIGKILL});
    up.exit(SIGKILL, true);
    REQUIRE(r.hook_runs().size() == 2);
    CHECK(r.hook_runs()[1]->request.argv.at(2) == "echo down");
    CHECK(r.session->state() == uplinks::SessionState::connecting);
}

TEST_CASE("supervisor: starts, keeps, restarts on pppd changes, stops removed uplinks") {
    test::ManualTime time;
    test::FakeLauncher launcher;
    uplinks::SessionSettings settings;
    uplinks::Supervisor sup(launcher, time, settings,
                            [](const config::Uplink&, const std::string&) -> std::expected<std::string, std::string> {
                                return std::string("pw");
                            });
    sup.apply(load(kIsp));
    REQUIRE(launcher.children.size() == 1);
    rules::Facts facts;
    facts.uplink_addresses["isp"] = addr("100.64.0.2");
    sup.on_facts(facts);
    CHECK(sup.session("isp")->state() == uplinks::SessionState::up);
    sup.on_facts(rules::Facts{});  // addresses not observed this time: no news, not "down"
    CHECK(sup.session("isp")->state() == uplinks::SessionState::up);
    launcher.children.back()->exit(0);  // the on-up hook

    // A hook change only: the same pppd keeps running.
    auto hooks_changed = kIsp;
    hooks_changed.replace(hooks_changed.find("echo up"), 7, "echo UP");
    sup.apply(load(hooks_changed));
    CHECK(launcher.children.size() == 2);
    CHECK(launcher.children[0]->signals.empty());

    // A new user name: stop, and start again only once the old pppd is gone.
    auto user_changed = hooks_changed;
    user_changed.replace(user_changed.find("user@isp.example"), 16, "new@isp.example");
    sup.apply(load(user_changed));
    auto& old = *launcher.children[0];
    CHECK(old.signals == std::vector<int>{SIGTERM});
    time.advance(0s);
    CHECK(launcher.running() == 1);
    old.exit(5);
    time.advance(0s);
    // on-down ran for the old session, then the new pppd started
    auto pppd_count = std::count_if(launcher.children.begin(), launcher.children.end(),
                                    [](const auto& c) { return c->request.argv[0] != "/bin/sh"; });
    CHECK(pppd_count == 2);
    CHECK(std::find(launcher.children.back()->request.argv.begin(), launcher.children.back()->request.argv.end(),
                    "new@isp.example") != launcher.children.back()->request.argv.end());
    CHECK(sup.session("isp")->state() == uplinks::SessionState::connecting);

    // Removed from the config while retrying: gone, and no retry comes back.
    launcher.children.back()->exit(10);
    CHECK(sup.session("isp")->state() == uplinks::SessionState::retrying);
    sup.apply(load("version: 1\n"));
    time.advance(0s);
    CHECK(sup.session("isp") == nullptr);
    auto before = launcher.children.size();
    time.advance(10min);
    CHECK(launcher.children.size() == before);
}

TEST_CASE("supervisor: status carries each session; stop_all ends when no child is left") {
    test::ManualTime time;
    test::FakeLauncher launcher;
    uplinks::Supervisor sup(launcher, time, {},
                            [](const config::Uplink&, const std::string&) -> std::expected<std::string, std::string> {
                                return std::string("pw");
                            });
    sup.apply(load(kIsp));
    status::StatusReport report;
    report.uplinks.push_back({"isp", "isp", "pppoe", "down", {}});
    sup.add_status(report);
    REQUIRE(report.uplinks[0].session);
    CHECK(report.uplinks[0].state == "connecting");
    bool done = false;
    sup.stop_all([&] { done = true; });
    time.advance(0s);
    CHECK_FALSE(done);
    launcher.children[0]->exit(5);
    time.advance(0s);
    CHECK(done);
    CHECK(launcher.running() == 0);
}

TEST_CASE("supervisor: an only-on-master uplink runs on MASTER only, stopped in every state, redial after the old pppd") {
    const std::string ha = kIsp + R"(interfaces:
  lan: {device: lan0, addresses: [172.16.0.2/16]}
ha:
  keepalived: /bin/true
  instances:
    lan: {interface: lan, vrid: 51, virtual-addresses: [172.16.0.1/16]}
  only-on-master: [isp]
)";
    test::ManualTime time;
    test::FakeLauncher launcher;
    uplinks::Supervisor sup(launcher, time, {},
                            [](const config::Uplink&, const std::string&) -> std::expected<std::string, std::string> {
                                return std::string("pw");
                            });
    sup.apply(load(ha));
    CHECK(launcher.children.empty());  // not MASTER yet: nothing dials
    CHECK(sup.held_back("isp"));
    status::StatusReport report;
    report.uplinks.push_back({"isp", "isp", "pppoe", "down", {}});
    sup.add_status(report);
    CHECK(report.uplinks[0].state == "held-back");

    sup.set_master(true);
    REQUIRE(launcher.running() == 1);  // connecting
    sup.set_master(false);             // stopped while connecting
    CHECK(launcher.children[0]->signals == std::vector<int>{SIGTERM});
    sup.set_master(true);              // back before the old pppd has gone: no second dial yet
    time.advance(0s);
    CHECK(launcher.children.size() == 1);
    launcher.children[0]->exit(0);
    time.advance(0s);
    REQUIRE(launcher.children.size() == 2);  // the redial, once the old pppd was reaped
    CHECK(sup.session("isp")->state() == uplinks::SessionState::connecting);

    launcher.children[1]->exit(10);  // fails: waiting to retry
    CHECK(sup.session("isp")->state() == uplinks::SessionState::retrying);
    sup.set_master(false);  // stopped while retrying: the retry timer is disarmed
    time.advance(0s);
    CHECK(sup.session("isp") == nullptr);
    time.advance(10min);
    CHECK(launcher.children.size() == 2);
    CHECK(launcher.running() == 0);
}
