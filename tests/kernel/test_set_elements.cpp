// Set elements as bytes (daemon/kernel/nft/set_elements.hpp), without a
// kernel: a NEWSETELEM message (what a dump replies with, laid out as the
// encoder's requests are) reads, through gatewayd's own reader, as the
// libnftnl elements it was built from, counters included; same_elements()
// ignores order and nothing else. (Reading real dumps: test_nft_apply.cpp.)
#include <doctest/doctest.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <vector>

#include "daemon/kernel/nft/attrs.hpp"
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

TEST_CASE("attributes are walked and read as libmnl walks and reads them") {
    std::vector<char> buf(512);
    auto* nlh = mnl_nlmsg_put_header(buf.data());
    mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg));
    mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, "gatewayd");
    mnl_attr_put_u32(nlh, NFTA_TABLE_FLAGS, htobe32(7));
    auto* nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
    mnl_attr_put_u16(nlh, 1, 0x1234);
    mnl_attr_nest_end(nlh, nest);
    mnl_attr_put(nlh, 9, 2, "ab");  // a string without its NUL
    auto walk_mnl = [&](const nlmsghdr* m) {
        std::vector<std::pair<int, std::string>> out;
        const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(m));
        for (const auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(m, sizeof(nfgenmsg)));
             mnl_attr_ok(a, static_cast<int>(tail - reinterpret_cast<const char*>(a))); a = mnl_attr_next(a))
            out.emplace_back(mnl_attr_get_type(a), std::string(static_cast<const char*>(mnl_attr_get_payload(a)),
                                                               mnl_attr_get_payload_len(a)));
        return out;
    };
    auto walk_ours = [&](const nlmsghdr* m) {
        std::vector<std::pair<int, std::string>> out;
        for_each_attr(message_attrs(m, sizeof(nfgenmsg)), [&](std::uint16_t type, ByteView v) {
            out.emplace_back(type, std::string(reinterpret_cast<const char*>(v.data()), v.size()));
        });
        return out;
    };
    auto whole = walk_mnl(nlh);
    REQUIRE(whole.size() == 4);
    CHECK(walk_ours(nlh) == whole);
    // Cut inside the last attribute's header: both stop before it. (Cut
    // inside its payload, libmnl would still read it up to the aligned end
    // past the message; for_each_attr never reads past nlmsg_len.)
    nlh->nlmsg_len -= 5;
    CHECK(walk_ours(nlh) == walk_mnl(nlh));
    CHECK(walk_ours(nlh).size() == 3);
    auto bytes = [](const std::string& s) { return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); };
    CHECK(nul_string(bytes(whole[0].second)) == "gatewayd");
    CHECK(be32(bytes(whole[1].second)) == 7u);
    CHECK_FALSE(nul_string(bytes(whole[3].second)).has_value());  // mnl_attr_validate refuses it too
    CHECK_FALSE(be32(bytes("ab")).has_value());
}

}  // namespace gw::kernel::test
