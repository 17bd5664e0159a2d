// Unit tests of the egress part of compile_ruleset(): the owner test of the
// allow and deny forms, families and destinations, reject split by
// protocol, drop, where the rules sit in the output chain, and what
// happens to names the facts do not resolve.
#include <doctest/doctest.h>

#include <algorithm>

#include "rules/nft/compile.hpp"
#include "rules/nft/render.hpp"
#include "tests/nft/builders.hpp"

using namespace gw;
using gw::test::at;
using gw::test::name;

namespace {

config::EgressRule egress(std::string rname, std::vector<config::PortRange> ports, int line) {
    config::EgressRule e;
    e.name = name(std::move(rname), line);
    e.ports = std::move(ports);
    e.loc = at(line);
    return e;
}

config::Names names(std::initializer_list<const char*> list) {
    config::Names out;
    for (const auto* n : list) out.push_back(name(n));
    return out;
}

rules::Facts accounts() {
    rules::Facts f;
    f.uids = {{"root", 0}, {"dbuser", 1001}, {"proxy", 13}, {"nobody", 65534}};
    f.gids = {{"db", 1001}, {"nogroup", 65534}};
    return f;
}

const nft::Chain& output(const nft::Ruleset& rs) {
    const auto& chains = rs.tables.at(0).chains;
    auto it = std::find_if(chains.begin(), chains.end(), [](const nft::Chain& c) { return c.name == "output"; });
    REQUIRE(it != chains.end());
    return *it;
}

// The rendered rules of the output chain that carry `comment`.
std::vector<std::string> rules_named(const nft::Ruleset& rs, std::string_view comment) {
    std::vector<std::string> out;
    for (const auto& r : output(rs).rules)
        if (r.comment == comment) out.push_back(nft::render_rule(r));
    return out;
}

std::vector<std::string> compiled(const config::EgressRule& e, const rules::Facts& facts = accounts()) {
    config::Config c;
    c.egress.push_back(e);
    return rules_named(rules::compile_ruleset(c, facts), *e.name);
}

}  // namespace

TEST_CASE("allow form: a socket owner outside the list is refused on new connections") {
    auto e = egress("db-only", {gw::test::ports(12345, 12345)}, 10);
    e.users = names({"dbuser"});
    CHECK(compiled(e) == std::vector<std::string>{
                             "meta l4proto tcp th dport 12345 ct state new meta skuid != 1001 counter "
                             "reject with tcp reset comment \"db-only\""});
}

TEST_CASE("allow form with users and groups: refused only when in neither") {
    auto e = egress("db-admin", {gw::test::ports(5432, 5432)}, 10);
    e.users = names({"root", "dbuser", "root"});
    e.groups = names({"db"});
    CHECK(compiled(e) == std::vector<std::string>{
                             "meta l4proto tcp th dport 5432 ct state new meta skuid != { 0, 1001 } "
                             "meta skgid != 1001 counter reject with tcp reset comment \"db-admin\""});
}

TEST_CASE("deny form: one rule for the users and one for the groups") {
    auto e = egress("no-smtp", {gw::test::ports(25, 25)}, 10);
    e.deny_users = names({"nobody", "proxy"});
    e.deny_groups = names({"nogroup"});
    e.action = {config::EgressAction::drop, at(11)};
    CHECK(compiled(e) == std::vector<std::string>{
                             "meta l4proto tcp th dport 25 ct state new meta skuid { 13, 65534 } counter drop "
                             "comment \"no-smtp\"",
                             "meta l4proto tcp th dport 25 ct state new meta skgid 65534 counter drop "
                             "comment \"no-smtp\""});
}

TEST_CASE("family ipv4 leaves IPv6 alone") {
    auto e = egress("proxy-v6", {gw::test::ports(80, 80), gw::test::ports(443, 443)}, 10);
    e.family = {config::Family::ipv4, at(11)};
    e.deny_users = names({"proxy"});
    CHECK(compiled(e) == std::vector<std::string>{
                             "meta nfproto ipv4 meta l4proto tcp th dport { 80, 443 } ct state new meta skuid 13 "
                             "counter reject with tcp reset comment \"proxy-v6\""});
}

TEST_CASE("reject for both protocols: TCP reset, ICMP administratively prohibited for UDP") {
    auto e = egress("dns", {gw::test::ports(53, 53)}, 10);
    e.proto = {config::Proto::tcp_udp, at(11)};
    e.users = names({"root"});
    CHECK(compiled(e) == std::vector<std::string>{
                             "meta l4proto tcp th dport 53 ct state new meta skuid != 0 counter "
                             "reject with tcp reset comment \"dns\"",
                             "meta l4proto udp th dport 53 ct state new meta skuid != 0 counter "
                             "reject with icmpx admin-prohibited comment \"dns\""});
    e.action = {config::EgressAction::drop, at(12)};
    CHECK(compiled(e) == std::vector<std::string>{
                             "meta l4proto { tcp, udp } th dport 53 ct state new meta skuid != 0 counter drop "
                             "comment \"dns\""});
}

TEST_CASE("destinations: per family, literal prefixes together, one rule per named set") {
    config::Config c;
    c.sets.push_back(gw::test::address_set("backup-hosts", {"192.0.2.50/32", "2001:db8::50/128"}, false, 3));
    auto e = egress("backup", {gw::test::ports(22, 22)}, 10);
    e.destination.sets = names({"backup-hosts"});
    e.destination.prefixes = {gw::test::prefix("198.51.100.0/24", 11)};
    e.groups = names({"db"});
    c.egress.push_back(e);
    auto texts = rules_named(rules::compile_ruleset(c, accounts()), "backup");
    CHECK(texts == std::vector<std::string>{
                       "meta nfproto ipv4 ip daddr 198.51.100.0/24 meta l4proto tcp th dport 22 ct state new "
                       "meta skgid != 1001 counter reject with tcp reset comment \"backup\"",
                       "meta nfproto ipv4 ip daddr @backup-hosts_v4 meta l4proto tcp th dport 22 ct state new "
                       "meta skgid != 1001 counter reject with tcp reset comment \"backup\"",
                       "meta nfproto ipv6 ip6 daddr @backup-hosts_v6 meta l4proto tcp th dport 22 ct state new "
                       "meta skgid != 1001 counter reject with tcp reset comment \"backup\""});
    // An IPv6-only rule with only IPv4 destinations can match nothing.
    c.egress[0].destination.sets.clear();
    c.egress[0].family = {config::Family::ipv6, at(12)};
    CHECK(rules_named(rules::compile_ruleset(c, accounts()), "backup").empty());
}

TEST_CASE("egress rules come before the loopback accept and the config's output rules") {
    config::Config c;
    c.firewall.output.rules.push_back(gw::test::rule("out-web", config::Action::allow, 20));
    auto e = egress("db-only", {gw::test::ports(12345, 12345)}, 30);
    e.users = names({"dbuser"});
    c.egress.push_back(e);
    auto e2 = egress("proxy-v6", {gw::test::ports(80, 80)}, 31);
    e2.deny_users = names({"proxy"});
    c.egress.push_back(e2);
    std::vector<std::string> comments;
    for (const auto& r : output(rules::compile_ruleset(c, accounts())).rules) comments.push_back(r.comment);
    REQUIRE(comments.size() >= 6);
    CHECK(std::vector<std::string>(comments.begin(), comments.begin() + 4) ==
          std::vector<std::string>{"gw:established", "db-only", "proxy-v6", "gw:loopback"});
    auto web = std::find(comments.begin(), comments.end(), "out-web");
    CHECK(web - comments.begin() > 3);
    CHECK(comments.back() == "gw:policy");
    // Origins point at the egress rule for kernel errors.
    CHECK(output(rules::compile_ruleset(c, accounts())).rules.at(1).origin == at(30));
}

TEST_CASE("names the facts do not resolve: the allow form refuses every owner, the deny form nobody") {
    auto e = egress("db-only", {gw::test::ports(12345, 12345)}, 10);
    e.users = names({"ghost", "dbuser"});
    CHECK(compiled(e).at(0).find("meta skuid != 1001 counter") != std::string::npos);
    e.users = names({"ghost"});
    CHECK(compiled(e) == std::vector<std::string>{
                             "meta l4proto tcp th dport 12345 ct state new meta skuid 0-4294967295 counter "
                             "reject with tcp reset comment \"db-only\""});
    auto d = egress("proxy-v6", {gw::test::ports(80, 80)}, 10);
    d.deny_users = names({"ghost"});
    CHECK(compiled(d).empty());
}
