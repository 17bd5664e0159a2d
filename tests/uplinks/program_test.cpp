// The supervised helper program (daemon/uplinks/program.hpp) with a fake
// launcher and hand-driven time: restarts after an exit, and a stop that
// is asked for again while the program is on its way out.
#include <doctest/doctest.h>
#include <signal.h>

#include "daemon/uplinks/program.hpp"
#include "tests/daemon/manual_time.hpp"
#include "tests/uplinks/uplinks_fake.hpp"

using namespace gw;

namespace {

uplinks::Program::Prepare sleeper() {
    return [] { return std::expected<uplinks::SpawnRequest, std::string>(uplinks::SpawnRequest{{"/bin/sleep", "1000"}}); };
}

}  // namespace

TEST_CASE("program: an exit is followed by a restart after the back-off") {
    test::FakeLauncher launcher;
    test::ManualTime time;
    uplinks::Program p(launcher, time, "helper");
    p.start(sleeper());
    REQUIRE(launcher.children.size() == 1);
    launcher.last().exit(1);
    CHECK(p.state().starts_with("restarting in "));
    time.advance(std::chrono::seconds(60));
    CHECK(launcher.children.size() == 2);
    CHECK(p.running());
}

TEST_CASE("program: a stop asked again while stopping keeps the first deadline and calls every caller back") {
    test::FakeLauncher launcher;
    test::ManualTime time;
    uplinks::Program p(launcher, time, "helper");
    p.start(sleeper());
    int first = 0, second = 0;
    p.stop([&] { ++first; });
    time.advance(std::chrono::seconds(3));
    p.stop([&] { ++second; });
    CHECK(launcher.last().signals == std::vector<int>{SIGTERM});  // no second SIGTERM
    // The child ignores SIGTERM: SIGKILL comes 5 s after the first stop, not the second.
    time.advance(std::chrono::seconds(2));
    CHECK(launcher.last().signals == std::vector<int>{SIGTERM, SIGKILL});
    launcher.last().exit(SIGKILL, true);
    CHECK(first == 1);
    CHECK(second == 1);
    CHECK(p.state() == "stopped");
    CHECK(launcher.children.size() == 1);  // a stopped program is not restarted
}
