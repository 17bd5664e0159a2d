// Real children through SdEventLauncher on a real sd-event loop: output
// lines from stdout and stderr, the exit status, the secret on its
// descriptor (and nowhere else), a clean signal mask, only 0-2 and the
// secret inherited, a process group of its own; and the password file
// rules (root-owned, 0600) with the config line in the error.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "daemon/loop/event_loop.hpp"
#include "daemon/config/file.hpp"
#include "daemon/uplinks/child.hpp"
#include "daemon/uplinks/password.hpp"

using namespace gw;

namespace {

struct Run {
    std::vector<std::string> lines;
    std::optional<uplinks::ExitStatus> status;
};

// Runs `script` under /bin/sh on a fresh loop until it exits.
Run run_shell(const std::string& script, std::optional<std::string> secret = std::nullopt,
              std::vector<std::string> env = {}) {
    auto loop = loop::EventLoop::create();
    REQUIRE(loop);
    uplinks::SdEventLauncher launcher((*loop)->get());
    Run r;
    uplinks::SpawnRequest req{{"/bin/sh", "-c", script}, std::move(env), std::move(secret)};
    auto* ev = (*loop).get();
    auto proc = launcher.spawn(req, {[&](std::string_view l) { r.lines.emplace_back(l); },
                                     [&](uplinks::ExitStatus st) {
                                         r.status = st;
                                         ev->exit(0);
                                     }});
    REQUIRE(proc);
    auto guard = (*loop)->make_timer([ev] { ev->exit(1); });
    guard->arm(std::chrono::seconds(20));  // a hung child fails the test instead of hanging it
    CHECK((*loop)->run() == 0);
    CHECK_FALSE((*proc)->running());
    return r;
}

bool has_line(const Run& r, const std::string& line) {
    return std::find(r.lines.begin(), r.lines.end(), line) != r.lines.end();
}

}  // namespace

TEST_CASE("child: stdout and stderr lines, a last line without newline, the exit status") {
    auto r = run_shell("echo one; echo two >&2; printf three; exit 3");
    CHECK(r.lines == std::vector<std::string>{"one", "two", "three"});
    REQUIRE(r.status);
    CHECK_FALSE(r.status->signaled);
    CHECK(r.status->code == 3);
    CHECK(r.status->describe() == "exit status 3");
}

TEST_CASE("child: killed by a signal") {
    auto r = run_shell("kill -9 $$");
    REQUIRE(r.status);
    CHECK(r.status->signaled);
    CHECK(r.status->describe() == "killed by SIGKILL");
}

TEST_CASE("child: the secret on descriptor 3 only, then EOF") {
    auto r = run_shell("printf 'got:'; cat <&3; echo; tr '\\0' ' ' < /proc/$$/cmdline; echo", std::string("s3cr3t"));
    CHECK(has_line(r, "got:s3cr3t"));
    for (const auto& l : r.lines)
        if (l.rfind("got:", 0) != 0) CHECK(l.find("s3cr3t") == std::string::npos);
}

TEST_CASE("child: clean signal mask, default dispositions, no stray descriptors, own process group, extra env") {
    // The test process blocks a signal and ignores SIGPIPE, as the daemon does.
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &old);
    auto old_pipe = ::signal(SIGPIPE, SIG_IGN);
    // The shell itself blocks SIGCHLD while it waits for a command: look at
    // what the exec'd program starts with.
    auto mask = run_shell("exec grep -E '^(SigBlk|SigIgn)' /proc/self/status");
    // A descriptor the daemon forgot to mark close-on-exec must not leak.
    int leaky = ::open("/dev/null", O_RDONLY);
    REQUIRE(leaky > 2);
    auto r = run_shell(
        "test -e /proc/$$/fd/" + std::to_string(leaky) + " && echo leaked || echo closed;"
        " echo pgid=$(cut -d' ' -f5 /proc/$$/stat) pid=$$; echo hook=$GW_TEST_VAR",
        std::nullopt, {"GW_TEST_VAR=here"});
    sigprocmask(SIG_SETMASK, &old, nullptr);
    ::signal(SIGPIPE, old_pipe);
    CHECK(has_line(mask, "SigBlk:\t0000000000000000"));
    CHECK(has_line(mask, "SigIgn:\t0000000000000000"));
    ::close(leaky);
    CHECK(has_line(r, "closed"));
    CHECK(has_line(r, "hook=here"));
    bool own_group = false;
    for (const auto& l : r.lines)
        if (l.rfind("pgid=", 0) == 0) {
            auto pgid = l.substr(5, l.find(' ') - 5);
            own_group = l.substr(l.find("pid=", 5) + 4) == pgid;
        }
    CHECK(own_group);
}

TEST_CASE("child: a program that does not exist exits 127 with the reason") {
    auto loop = loop::EventLoop::create();
    REQUIRE(loop);
    uplinks::SdEventLauncher launcher((*loop)->get());
    std::vector<std::string> lines;
    int code = -1;
    auto* ev = (*loop).get();
    auto proc = launcher.spawn({{"/nonexistent/pppd"}, {}, std::nullopt},
                               {[&](std::string_view l) { lines.emplace_back(l); },
                                [&](uplinks::ExitStatus st) {
                                    code = st.code;
                                    ev->exit(0);
                                }});
    REQUIRE(proc);
    (*loop)->run();
    CHECK(code == 127);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "cannot execute /nonexistent/pppd: No such file or directory");
}

TEST_CASE("password file: mode and owner are checked, the error names the config line") {
    char tmpl[] = "/tmp/gwpw-XXXXXX";
    std::filesystem::path dir = ::mkdtemp(tmpl);
    auto path = (dir / "isp.password").string();
    std::ofstream(path) << "hunter2\n";
    auto cfg = config::load_config({"version: 1\nuplinks:\n  isp:\n    kind: pppoe\n    device: wan0\n"
                                       "    username: u\n    password-file: " + path + "\n", "gw.yaml"},
                                      nullptr);
    REQUIRE(cfg);
    const auto& up = cfg->config.uplinks.at(0);

    ::chmod(path.c_str(), 0644);
    auto open_file = uplinks::read_password_file(up, "gw.yaml");
    REQUIRE_FALSE(open_file);
    CHECK(open_file.error().rfind("gw.yaml:7:20: uplink isp: password-file " + path, 0) == 0);
    CHECK(open_file.error().find(geteuid() == 0 ? "has mode 0644" : "not root") != std::string::npos);
    CHECK(open_file.error().find("hunter2") == std::string::npos);

    ::chmod(path.c_str(), 0600);
    auto strict = uplinks::read_password_file(up, "gw.yaml");
    if (geteuid() == 0) {
        REQUIRE(strict);
        CHECK(*strict == "hunter2");  // without the newline
    } else {
        CHECK_FALSE(strict);  // owned by a user, not root
    }
    std::filesystem::remove_all(dir);
    auto missing = uplinks::read_password_file(up, "gw.yaml");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().find("cannot be read: No such file or directory") != std::string::npos);
}
