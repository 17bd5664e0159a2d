// The VRRP role as one value: latest report wins, MASTER only while every
// instance says so, a stopped keepalived forgets everything.
#include <doctest/doctest.h>

#include "daemon/ha/role.hpp"

using namespace gw::ha;

namespace {
const RoleBook::Time kT{};
const InstanceKey kLan{"lan0", 51, false};
const InstanceKey kWan{"eth1", 52, false};
}  // namespace

TEST_CASE("keepalived's states and object paths") {
    CHECK(role_from_keepalived(2) == VrrpRole::master);
    CHECK(role_from_keepalived(1) == VrrpRole::backup);
    CHECK(role_from_keepalived(3) == VrrpRole::fault);
    CHECK(role_from_keepalived(0) == VrrpRole::init);
    CHECK(role_from_keepalived(9) == VrrpRole::unknown);
    CHECK(kLan.object_path() == "/org/keepalived/Vrrp1/Instance/lan0/51/IPv4");
    CHECK(InstanceKey{"lan0", 7, true}.object_path() == "/org/keepalived/Vrrp1/Instance/lan0/7/IPv6");
}

TEST_CASE("MASTER only while every instance is MASTER; the latest report wins") {
    RoleBook book;
    CHECK(!book.master());  // no instances: never master
    book.set_instances({kLan, kWan});
    CHECK(!book.report(kLan, VrrpRole::master, kT));
    CHECK(!book.master());
    CHECK(book.report(kWan, VrrpRole::master, kT));
    CHECK(book.master());
    CHECK(book.report(kWan, VrrpRole::backup, kT));
    CHECK(!book.master());
    CHECK(book.report(kWan, VrrpRole::master, kT));  // flips back: latest wins, nothing queued
    CHECK(book.master());
    CHECK(!book.report({"other", 1, false}, VrrpRole::backup, kT));  // not ours: ignored
    CHECK(book.master());
}

TEST_CASE("a stopped keepalived or a lost bus name is not MASTER") {
    RoleBook book;
    book.set_instances({kLan});
    book.report(kLan, VrrpRole::master, kT);
    CHECK(book.forget_all(kT));
    CHECK(!book.master());
    CHECK(book.role(kLan) == VrrpRole::unknown);
}

TEST_CASE("a new config keeps what is known of instances it still has") {
    RoleBook book;
    book.set_instances({kLan});
    book.report(kLan, VrrpRole::master, kT);
    book.set_instances({kLan, kWan});
    CHECK(book.role(kLan) == VrrpRole::master);
    CHECK(!book.master());
    book.set_instances({kLan});
    CHECK(book.master());
}
