// The event-loop pieces that need no loop: debounce, back-off, and the
// nftables notification filter fed with packed netlink messages.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <vector>

#include "daemon/loop/backoff.hpp"
#include "daemon/loop/debounce.hpp"
#include "daemon/kernel/nft/events.hpp"
#include "tests/daemon/manual_time.hpp"

using namespace gw;
using namespace std::chrono_literals;

TEST_CASE("debounce: each poke restarts the delay, bounded by max_wait") {
    test::ManualTime time;
    int runs = 0;
    loop::Debouncer d(time, 50ms, 200ms, [&] { ++runs; });
    d.poke();
    time.advance(40ms);
    d.poke();
    time.advance(40ms);
    CHECK(runs == 0);  // pushed out by the second poke
    time.advance(20ms);
    CHECK(runs == 1);
    // A steady stream every 30 ms: the action still runs at 200 ms.
    for (int i = 0; i < 6; ++i) {
        d.poke();
        time.advance(30ms);
    }
    CHECK(runs == 1);
    d.poke();
    time.advance(30ms);
    CHECK(runs == 2);
    d.poke();
    d.cancel();
    time.advance(1s);
    CHECK(runs == 2);
    CHECK_FALSE(d.pending());
}

TEST_CASE("back-off doubles up to the ceiling and starts over after reset") {
    loop::Backoff b(500ms, 4s);
    CHECK(b.next() == 500ms);
    CHECK(b.next() == 1s);
    CHECK(b.next() == 2s);
    CHECK(b.next() == 4s);
    CHECK(b.next() == 4s);
    b.reset();
    CHECK(b.next() == 500ms);
}

namespace {

// One nftables notification, as the kernel sends it.
std::vector<char> message(int msg, int attr, const std::string& table, std::optional<std::uint32_t> pid = {}) {
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
    auto* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = static_cast<std::uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | msg);
    auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = NFPROTO_INET;
    if (!table.empty()) mnl_attr_put_strz(nlh, static_cast<std::uint16_t>(attr), table.c_str());
    if (pid) mnl_attr_put_u32(nlh, NFTA_GEN_PROC_PID, htonl(*pid));
    buf.resize(nlh->nlmsg_len);
    return buf;
}

bool feed(kernel::NftEventFilter& f, const std::vector<char>& m) {
    return f.feed(reinterpret_cast<const nlmsghdr*>(m.data()));
}

std::vector<char> gen(std::uint32_t pid) { return message(NFT_MSG_NEWGEN, 0, "", pid); }

}  // namespace

TEST_CASE("nft events: a foreign change to our table counts once the transaction ends") {
    kernel::NftEventFilter f("gatewayd", 100);
    CHECK_FALSE(feed(f, message(NFT_MSG_DELRULE, NFTA_RULE_TABLE, "gatewayd")));
    CHECK(feed(f, gen(200)));
    // The next transaction starts clean.
    CHECK_FALSE(feed(f, gen(200)));
}

TEST_CASE("nft events: our own transactions and other tables are ignored") {
    kernel::NftEventFilter f("gatewayd", 100);
    CHECK_FALSE(feed(f, message(NFT_MSG_NEWTABLE, NFTA_TABLE_NAME, "gatewayd")));
    CHECK_FALSE(feed(f, message(NFT_MSG_NEWSETELEM, NFTA_SET_ELEM_LIST_TABLE, "gatewayd")));
    CHECK_FALSE(feed(f, gen(100)));
    CHECK_FALSE(feed(f, message(NFT_MSG_DELTABLE, NFTA_TABLE_NAME, "docker")));
    CHECK_FALSE(feed(f, gen(200)));
    CHECK_FALSE(feed(f, message(NFT_MSG_DELCHAIN, NFTA_CHAIN_TABLE, "gatewayd2")));
    CHECK_FALSE(feed(f, gen(200)));
    CHECK_FALSE(feed(f, message(NFT_MSG_DELTABLE, NFTA_TABLE_NAME, "gatewayd")));
    CHECK(feed(f, gen(300)));
}
