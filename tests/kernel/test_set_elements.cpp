// Set elements as bytes (daemon/kernel/nft/set_elements.hpp), without a
// kernel: a NEWSETELEM message (what a dump replies with, laid out as the
// encoder's requests are) reads, through gatewayd's own reader, as the
// libnftnl elements it was built from, counters included; same_elements()
// ignores order and nothing else. (Reading real dumps: test_nft_apply.cpp.)
#include <doctest/doctest.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <vector>

#include "daemon/kernel/nft/encode.hpp"
#include "daemon/kernel/nft/netlink.hpp"
#include "daemon/kernel/nft/set_elements.hpp"
#include "tests/kernel/nft_fixture.hpp"

namespace gw::kernel::test {

namespace {

// One add-elements operation as a netlink message.
std::vector<std::uint8_t> message_of(const NftOp& op) {
    std::vector<std::uint8_t> buf(1 << 16);
    auto* nlh = nftnl_nlmsg_build_hdr(reinterpret_cast<char*>(buf.data()), NFT_MSG_NEWSETELEM, op.family,
                                      NLM_F_CREATE, 1);
    nftnl_set_elems_nlmsg_build_payload(nlh, std::get<NftSetPtr>(op.object).get());
    buf.resize(nlh->nlmsg_len);
    return buf;
}

const nlmsghdr* header(const std::vector<std::uint8_t>& msg) {
    return reinterpret_cast<const nlmsghdr*>(msg.data());
}

// The full test ruleset with counter values on the elements of its
// counted sets, so that reading them is checked too.
nft::Ruleset counted_ruleset() {
    auto rs = full_ruleset();
    std::uint64_t n = 1;
    for (auto& t : rs.tables)
        for (auto& s : t.sets)
            if (s.counter)
                for (auto& e : s.elements) e.counter = nft::Counter{n, 100 * n}, ++n;
    return rs;
}

RawElem raw(const std::vector<std::uint8_t>& key, std::string_view comment = {}, bool end = false) {
    RawElem r;
    r.key = key;
    r.comment = comment;
    r.end = end;
    return r;
}

}  // namespace

TEST_CASE("a set elements message reads as the elements it was built from, counters included") {
    auto ops = encode_ruleset(counted_ruleset());
    REQUIRE(ops.has_value());
    int messages = 0;
    bool saw_counter = false;
    for (const auto& op : *ops) {
        if (op.kind != OpKind::add_elements) continue;
        ++messages;
        INFO(op.what);
        auto msg = message_of(op);
        DumpedElements mine;
        REQUIRE(read_elements_message(header(msg), mine));
        auto theirs = read_elems({std::get<NftSetPtr>(op.object).get()});
        REQUIRE(mine.elements.size() == theirs.size());
        CHECK(same_elements(mine.elements, theirs));
        for (std::size_t i = 0; i < theirs.size(); ++i) {
            CHECK(mine.elements[i].counter.packets == theirs[i].counter.packets);
            CHECK(mine.elements[i].counter.bytes == theirs[i].counter.bytes);
            saw_counter = saw_counter || theirs[i].counter.packets != 0;
        }
    }
    CHECK(messages >= 10);
    CHECK(saw_counter);
}

TEST_CASE("a truncated set elements message is refused") {
    auto ops = encode_ruleset(full_ruleset());
    REQUIRE(ops.has_value());
    auto op = std::find_if(ops->begin(), ops->end(), [](const NftOp& o) { return o.kind == OpKind::add_elements; });
    REQUIRE(op != ops->end());
    auto msg = message_of(*op);
    // The last attribute claims more bytes than the message holds.
    auto* nlh = reinterpret_cast<nlmsghdr*>(msg.data());
    nlh->nlmsg_len -= 4;
    DumpedElements out;
    CHECK_FALSE(read_elements_message(nlh, out));
}

TEST_CASE("same_elements: the order does not count, every byte and flag does") {
    std::vector<std::uint8_t> k1{1, 2, 3, 4}, k2{1, 2, 3, 5}, k3{9, 9, 9, 9};
    std::vector<RawElem> a{raw(k1, "one"), raw(k2), raw(k3)};
    CHECK(same_elements(a, {raw(k3), raw(k1, "one"), raw(k2)}));
    CHECK_FALSE(same_elements(a, {raw(k3), raw(k1, "uno"), raw(k2)}));      // a comment
    CHECK_FALSE(same_elements(a, {raw(k3), raw(k1, "one"), raw(k2, {}, true)}));  // an end flag
    CHECK_FALSE(same_elements(a, {raw(k3), raw(k1, "one")}));               // one fewer
    CHECK_FALSE(same_elements(a, {raw(k3), raw(k1, "one"), raw(k1, "one")}));  // one twice, one missing
    std::vector<std::uint8_t> d1{10, 0, 0, 1}, d2{10, 0, 0, 2};
    auto with_data = [](RawElem r, const std::vector<std::uint8_t>& d) {
        r.data = d;
        return r;
    };
    CHECK_FALSE(same_elements({with_data(raw(k1), d1)}, {with_data(raw(k1), d2)}));  // a map's data
    auto with_verdict = [](RawElem r, nft::VerdictKind v, std::string_view chain) {
        r.verdict = v;
        r.chain = chain;
        return r;
    };
    CHECK(same_elements({with_verdict(raw(k1), nft::VerdictKind::jump, "in")},
                        {with_verdict(raw(k1), nft::VerdictKind::jump, "in")}));
    CHECK_FALSE(same_elements({with_verdict(raw(k1), nft::VerdictKind::jump, "in")},
                              {with_verdict(raw(k1), nft::VerdictKind::jump, "out")}));
    // Two of a's with one key: not a set the kernel holds, never taken as the same.
    CHECK_FALSE(same_elements({raw(k1), raw(k1)}, {raw(k1), raw(k1)}));
    // Counter values are not content.
    auto counted = raw(k1);
    counted.counter = nft::Counter{5, 500};
    CHECK(same_elements({counted}, {raw(k1)}));
}

}  // namespace gw::kernel::test
