// The Reconciler against a Lab (reconcile_lab.hpp), built twice: once on
// the in-memory kernel, once on the real kernel in a network namespace.
// One pass converges and a second changes nothing, diff/check change
// nothing, a missing user stops the run before anything is sent, hand-made
// drift is repaired, an uplink address change is an element-only update,
// and a re-created link gets its address back. Checks that need counting
// what reached the kernel run where the kernel can count (the fake).
#include <doctest/doctest.h>

#include "rules/nft/compile.hpp"
#include "tests/daemon/fixture.hpp"
#include "tests/daemon/reconcile_lab.hpp"

using namespace gw;
using reconcile::Mode;

namespace {

std::string hairpin(test::Lab& lab) {
    std::string out;
    for (const auto& t : lab.tables().tables)
        for (const auto& s : t.sets)
            if (s.name == rules::kUplinkAddr4Set)
                for (const auto& e : s.elements) out += std::get<net::Prefix>(e.key.at(0)).str() + " ";
    return out;
}

}  // namespace

TEST_CASE("one pass converges, the second changes nothing") {
    auto lab = test::make_lab();
    auto cfg = lab->load(test::kBaseConfig);
    auto first = lab->reconciler().run(cfg, Mode::apply);
    INFO(first.describe_errors("test.yaml"));
    CHECK(first.ok());
    CHECK(first.changed);
    CHECK(first.nft_change == nft::ChangeKind::structure);
    CHECK(first.nft_in_sync);
    CHECK(lab->has_address("lan0", "172.16.2.1/16"));
    CHECK(first.facts.uids.at("dbuser") == 1234);
    auto before = lab->counts();

    auto second = lab->reconciler().run(cfg, Mode::apply);
    INFO(second.diff_text());
    CHECK(second.ok());
    CHECK_FALSE(second.changed);
    CHECK(second.nft_diff.empty());
    CHECK(second.net_diff.empty());
    if (auto after = lab->counts()) {
        CHECK(after->applies == 1);
        CHECK(after->requests == before->requests);
    }
}

TEST_CASE("diff and check modes change nothing") {
    auto lab = test::make_lab();
    auto cfg = lab->load(test::kBaseConfig);
    auto d = lab->reconciler().run(cfg, Mode::diff);
    CHECK(d.changed);
    CHECK(d.nft_diff.find("+table inet gatewayd") != std::string::npos);
    CHECK(d.net_diff.find("+address 172.16.2.1/16 dev lan0") != std::string::npos);
    auto c = lab->reconciler().run(cfg, Mode::check);
    INFO(c.describe_errors("test.yaml"));
    CHECK(c.ok());
    CHECK(lab->tables().tables.empty());
    CHECK_FALSE(lab->has_address("lan0", "172.16.2.1/16"));
    if (auto counts = lab->counts()) {
        CHECK(counts->checks == 1);
        CHECK(counts->applies == 0);
    }
}

TEST_CASE("a missing user is fatal and changes nothing") {
    auto lab = test::make_lab();
    auto cfg = lab->load(test::kBaseConfig);
    lab->accounts.users.clear();  // the user was deleted after validation
    auto r = lab->reconciler().run(cfg, Mode::apply);
    REQUIRE(r.fatal());
    CHECK(r.errors.front().message == "user \"dbuser\" does not exist");
    CHECK(r.errors.front().loc.line == 39);
    CHECK(r.describe_errors("test.yaml").starts_with("test.yaml:39:13:"));
    CHECK(lab->tables().tables.empty());
    CHECK_FALSE(lab->has_address("lan0", "172.16.2.1/16"));
    if (auto counts = lab->counts()) {
        CHECK(counts->applies == 0);
        CHECK(counts->requests == 0);
    }
}

TEST_CASE("tables flushed or deleted by hand are restored") {
    auto lab = test::make_lab();
    auto cfg = lab->load(test::kBaseConfig);
    REQUIRE(lab->reconciler().run(cfg, Mode::apply).ok());
    auto wanted = lab->tables();

    lab->flush_tables();
    CHECK(lab->reconciler().run(cfg, Mode::apply).changed);
    CHECK(lab->tables() == wanted);

    lab->delete_tables();
    CHECK(lab->reconciler().run(cfg, Mode::apply).changed);
    CHECK(lab->tables() == wanted);
}

TEST_CASE("an uplink address change updates the hairpin set in place") {
    auto lab = test::make_lab();
    auto cfg = lab->load(test::kBaseConfig);
    REQUIRE(lab->reconciler().run(cfg, Mode::apply).ok());
    CHECK(hairpin(*lab) == "192.0.2.2/32 ");

    lab->swap_address("wan0", "192.0.2.2/24", "192.0.2.77/24");
    auto r = lab->reconciler().run(cfg, Mode::apply);
    INFO(r.describe_errors("test.yaml"));
    CHECK(r.ok());
    CHECK(r.nft_change == nft::ChangeKind::elements);
    CHECK(hairpin(*lab) == "192.0.2.77/32 ");
    if (auto counts = lab->counts()) {
        CHECK(counts->element_updates == 1);
        CHECK(counts->applies == 1);  // no table rebuild
    }
    CHECK_FALSE(lab->reconciler().run(cfg, Mode::apply).changed);
}

TEST_CASE("a link deleted and re-created gets its address back") {
    auto lab = test::make_lab();
    auto cfg = lab->load(test::kBaseConfig);
    REQUIRE(lab->reconciler().run(cfg, Mode::apply).ok());
    lab->delete_link("lan0");
    auto gone = lab->reconciler().run(cfg, Mode::apply);
    CHECK(gone.transient());  // the device is missing: retried later
    CHECK_FALSE(lab->has_address("lan0", "172.16.2.1/16"));

    lab->create_link("lan0");
    auto back = lab->reconciler().run(cfg, Mode::apply);
    INFO(back.describe_errors("test.yaml"));
    CHECK(back.ok());
    CHECK(lab->has_address("lan0", "172.16.2.1/16"));
}

// The runs kernel events cause (Observe::since_last_apply) read links and
// addresses but not gatewayd's tables while the nft generation says nobody
// else committed. Each case ends with a full reconcile that must find nothing
// to change: the state the view's run left is the one a full run makes.
TEST_CASE("address changes planned on the last apply's view leave what a full reconcile would") {
    auto lab = test::make_lab();
    auto cfg = lab->load(test::kBaseConfig);
    REQUIRE(lab->reconciler().run(cfg, Mode::apply).ok());
    std::string old = "192.0.2.2/24";
    for (auto [next, in_set] : {std::pair{"192.0.2.77/24", "192.0.2.77/32 "}, {"192.0.2.78/24", "192.0.2.78/32 "},
                                {"192.0.2.79/24", "192.0.2.79/32 "}}) {
        lab->swap_address("wan0", old, next);
        old = next;
        auto r = lab->reconciler().run(cfg, Mode::apply, reconcile::Observe::since_last_apply);
        INFO(r.describe_errors("test.yaml"));
        CHECK(r.ok());
        CHECK(r.from_view);
        CHECK(r.nft_change == nft::ChangeKind::elements);
        CHECK(r.nft_diff.find("+\t\t\t192.0.2.") != std::string::npos);
        CHECK(hairpin(*lab) == in_set);
    }
    auto quiet = lab->reconciler().run(cfg, Mode::apply, reconcile::Observe::since_last_apply);
    CHECK(quiet.from_view);
    CHECK_FALSE(quiet.changed);
    if (auto counts = lab->counts()) {
        CHECK(counts->applies == 1);
        CHECK(counts->element_updates == 3);
    }
    auto full = lab->reconciler().run(cfg, Mode::apply);
    INFO(full.diff_text());
    CHECK_FALSE(full.from_view);
    CHECK_FALSE(full.changed);
}

TEST_CASE("a change by hand between events sends the run the full way, which repairs it") {
    auto lab = test::make_lab();
    auto cfg = lab->load(test::kBaseConfig);
    REQUIRE(lab->reconciler().run(cfg, Mode::apply).ok());
    auto wanted = lab->tables();

    lab->flush_tables();
    auto repaired = lab->reconciler().run(cfg, Mode::apply, reconcile::Observe::since_last_apply);
    CHECK_FALSE(repaired.from_view);
    CHECK(repaired.nft_change == nft::ChangeKind::structure);
    CHECK(lab->tables() == wanted);

    lab->delete_tables();
    lab->swap_address("wan0", "192.0.2.2/24", "192.0.2.77/24");
    auto both = lab->reconciler().run(cfg, Mode::apply, reconcile::Observe::since_last_apply);
    INFO(both.describe_errors("test.yaml"));
    CHECK(both.ok());
    CHECK_FALSE(both.from_view);
    CHECK(both.nft_change == nft::ChangeKind::structure);
    CHECK(hairpin(*lab) == "192.0.2.77/32 ");
    CHECK_FALSE(lab->reconciler().run(cfg, Mode::apply).changed);
}

TEST_CASE("another config, diff mode and a forgotten view never use the view") {
    auto lab = test::make_lab();
    auto cfg = lab->load(test::kBaseConfig);
    REQUIRE(lab->reconciler().run(cfg, Mode::apply).ok());
    auto diff = lab->reconciler().run(cfg, Mode::diff, reconcile::Observe::since_last_apply);
    CHECK_FALSE(diff.from_view);

    lab->reconciler().forget_applied();
    CHECK_FALSE(lab->reconciler().run(cfg, Mode::apply, reconcile::Observe::since_last_apply).from_view);
    CHECK(lab->reconciler().run(cfg, Mode::apply, reconcile::Observe::since_last_apply).from_view);

    std::string text = test::kBaseConfig;
    text.replace(text.find("port: 443"), 9, "port: 8443");
    auto other = lab->load(text);
    auto r = lab->reconciler().run(other, Mode::apply, reconcile::Observe::since_last_apply);
    INFO(r.describe_errors("test.yaml"));
    CHECK(r.ok());
    CHECK_FALSE(r.from_view);
    CHECK(r.nft_diff.find("8443") != std::string::npos);
    CHECK_FALSE(lab->reconciler().run(other, Mode::apply).changed);
}
