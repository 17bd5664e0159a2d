// The pure parts of the nftables kernel layer, without a kernel: key
// tables, encode -> decode round trips, interval element layout (checked
// against what nft 1.0.6 sends), dependency planning, batch framing and
// error texts.
#include <doctest/doctest.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <cerrno>
#include <set>

#include "daemon/kernel/kernel_error.hpp"
#include "daemon/kernel/nft/netlink.hpp"
#include "daemon/kernel/nft/batch.hpp"
#include "daemon/kernel/nft/decode.hpp"
#include "daemon/kernel/nft/deps.hpp"
#include "daemon/kernel/nft/encode.hpp"
#include "daemon/kernel/nft/key_codec.hpp"
#include "rules/nft/diff.hpp"
#include "rules/nft/keys.hpp"
#include "rules/nft/render.hpp"
#include "tests/kernel/nft_fixture.hpp"

namespace gw::kernel::test {

using nft::Key;

namespace {

constexpr int kLastKey = static_cast<int>(Key::tcp_flags);

struct RawElem {
    std::string key;
    std::uint32_t flags = 0;
    int exprs = 0;  // expressions of the element's own (counters)
};

// The elements an add_elements operation carries, in send order.
std::vector<RawElem> carried(const NftOp& op) {
    std::vector<RawElem> out;
    NftElemIterPtr it(nftnl_set_elems_iter_create(std::get<NftSetPtr>(op.object).get()));
    for (auto* e = nftnl_set_elems_iter_next(it.get()); e; e = nftnl_set_elems_iter_next(it.get())) {
        std::uint32_t len = 0;
        const auto* p = static_cast<const std::uint8_t*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len));
        std::uint32_t flags = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS)
                                  ? nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) : 0;
        int exprs = 0;
        nftnl_set_elem_expr_foreach(e, [](nftnl_expr*, void* n) { return ++*static_cast<int*>(n), 0; }, &exprs);
        out.push_back({hex(Bytes(p, p + len)), flags, exprs});
    }
    return out;
}

std::vector<RawElem> encode_elements(nft::Set set) {
    nft::Table t{nft::TableFamily::inet, nft::kTableName, {set}, {}};
    SetIds ids;
    auto ops = encode_named_set(t, set, ids);
    REQUIRE(ops.has_value());
    REQUIRE(ops->size() == 2);
    return carried((*ops)[1]);
}

nft::Set interval_set(Key key, std::vector<nft::Element> elements) {
    nft::Set s;
    s.name = "s";
    s.key = {key};
    s.interval = true;
    s.elements = std::move(elements);
    return s;
}

}  // namespace

TEST_CASE("every key has one kernel encoding that reads back as itself") {
    for (int k = 0; k <= kLastKey; ++k) {
        auto key = static_cast<Key>(k);
        const auto& enc = key_encoding(key);
        INFO(nft::key_info(key).nft);
        CHECK(enc.key == key);
        std::vector<std::uint32_t> fields(enc.typeof_data.begin(), enc.typeof_data.begin() + enc.typeof_fields);
        CHECK(key_for_typeof(enc.typeof_etype, fields) == key);
        auto by_type = key_for_type(enc.type_id);
        REQUIRE(by_type.has_value());
        CHECK(key_length(*by_type) == key_length(key));
        if (enc.kind == LoadKind::meta) CHECK(key_for_meta(enc.id) == key);
        if (enc.kind == LoadKind::ct) CHECK(key_for_ct(enc.id) == key);
    }
    CHECK(concat_type_id({Key::meta_l4proto, Key::th_dport}) == ((12u << 6) | 13u));
    CHECK(keys_length({Key::meta_iifname, Key::ip_saddr}) == 20);
    CHECK(keys_length({Key::meta_l4proto, Key::th_dport}) == 8);
    CHECK(keys_length({Key::th_dport}) == 2);
}

TEST_CASE("encode then decode without a kernel gives the model back") {
    auto rs = full_ruleset();
    auto canon = as_kernel_holds(rs);
    REQUIRE_MESSAGE(canon.has_value(), (canon ? "" : canon.error().describe()));
    INFO("decoded:\n" << nft::render_ruleset(*canon) << "\nmodel:\n" << nft::render_ruleset(rs));
    CHECK(*canon == rs);
    auto again = as_kernel_holds(*canon);
    REQUIRE(again.has_value());
    CHECK(*again == *canon);
}

// Not in full_ruleset(): the netns tests load that into this host's kernel,
// which has no nf_flow_table (the vm tier loads a flowtable for real).
TEST_CASE("a flowtable and `flow add` read back as themselves") {
    nft::Table t;
    t.name = nft::kTableName;
    auto fwd = base_chain("forward", nft::ChainType::filter, nft::Hook::forward, 0);
    fwd.rules = {rule({nft::AnyBits{Key::ct_state, nft::kCtStateEstablished}, nft::FlowOffload{"fastpath"}},
                      "gw:fast-path")};
    t.chains = {fwd};
    t.flowtables = {nft::Flowtable{"fastpath", 0, {"eth1", "lan0", "ppp0"}, {}}};
    nft::Ruleset rs{{t}};
    auto canon = as_kernel_holds(rs);
    REQUIRE_MESSAGE(canon.has_value(), (canon ? "" : canon.error().describe()));
    INFO("decoded:\n" << nft::render_ruleset(*canon));
    CHECK(*canon == rs);
    auto other = rs;
    other.tables[0].flowtables[0].devices.pop_back();
    CHECK(nft::diff_rulesets(rs, other).kind == nft::ChangeKind::structure);  // a link left: rebuilt
}

TEST_CASE("interval sets are laid out as nft 1.0.6 sends them") {
    // nft: 0.0.0.0 (end), 10.0.0.0, 11.0.0.0 (end), 192.168.1.1, 192.168.1.2 (end)
    auto e = encode_elements(interval_set(Key::ip_saddr, {elem({pfx("192.168.1.1")}), elem({pfx("10.0.0.0/8")})}));
    REQUIRE(e.size() == 5);
    CHECK(e[0].key == "0x00000000");
    CHECK(e[0].flags == NFT_SET_ELEM_INTERVAL_END);
    CHECK(e[1].key == "0x0a000000");
    CHECK(e[1].flags == 0);
    CHECK(e[2].key == "0x0b000000");
    CHECK(e[2].flags == NFT_SET_ELEM_INTERVAL_END);
    CHECK(e[3].key == "0xc0a80101");
    CHECK(e[4].key == "0xc0a80102");

    // A range to the maximum has no end element; one from zero no leading one.
    auto ports = encode_elements(interval_set(Key::th_dport, {elem({std::uint64_t{0}}), elem({nft::IntRange{60000, 65535}})}));
    REQUIRE(ports.size() == 3);
    CHECK(ports[0].key == "0x0000");
    CHECK(ports[1].key == "0x0001");
    CHECK(ports[1].flags == NFT_SET_ELEM_INTERVAL_END);
    CHECK(ports[2].key == "0xea60");

    // Host-order keys are stored in network order in interval sets.
    auto marks = encode_elements(interval_set(Key::meta_mark, {elem({nft::IntRange{0x10, 0x20}})}));
    REQUIRE(marks.size() == 3);
    CHECK(marks[1].key == "0x00000010");
    CHECK(marks[2].key == "0x00000021");
}

TEST_CASE("a counting set's elements carry a counter only to set counted values") {
    // The kernel copies the set's counter into each element added without
    // one, as it does for nft -f: a zeroed counter per element is not sent.
    nft::Set s;
    s.name = "s";
    s.key = {Key::th_dport};
    s.counter = true;
    s.elements = {elem({std::uint64_t{22}}), elem({std::uint64_t{80}})};
    s.elements[1].counter = {3, 180};
    auto e = encode_elements(s);
    REQUIRE(e.size() == 2);
    CHECK(e[0].exprs == 0);
    CHECK(e[1].exprs == 1);
    s.counter = false;  // a set that does not count never gets one
    auto plain = encode_elements(s);
    REQUIRE(plain.size() == 2);
    CHECK(plain[1].exprs == 0);
}

TEST_CASE("dependencies: added where nft adds them, conflicts refused") {
    using nft::TableFamily;
    auto plan = plan_rule(TableFamily::inet, {cmp(Key::icmp_type, std::uint64_t{8})});
    REQUIRE(plan.has_value());
    REQUIRE(plan->size() == 3);
    CHECK(std::get<Dep>((*plan)[0]) == Dep{DepKind::nfproto, 2});
    CHECK(std::get<Dep>((*plan)[1]) == Dep{DepKind::l4proto, 1});

    auto explicit_deps = plan_rule(TableFamily::inet, {cmp(Key::meta_l4proto, std::uint64_t{1}),
                                                       cmp(Key::icmp_type, std::uint64_t{8})});
    REQUIRE(explicit_deps.has_value());
    CHECK(explicit_deps->size() == 2);  // nft adds nothing once l4proto is known

    auto bridge = plan_rule(TableFamily::bridge, {cmp(Key::ip_saddr, pfx("1.2.3.4"))});
    REQUIRE(bridge.has_value());
    CHECK(std::get<Dep>((*bridge)[0]) == Dep{DepKind::meta_protocol, 0x0800});

    auto reject = plan_rule(TableFamily::inet, {cmp(Key::meta_iifname, std::string("x")),
                                                nft::Reject{nft::RejectKind::tcp_reset}});
    REQUIRE(reject.has_value());
    REQUIRE(reject->size() == 3);
    CHECK(std::get<Dep>((*reject)[0]) == Dep{DepKind::l4proto, 6});  // at the rule's start

    CHECK_FALSE(plan_rule(TableFamily::inet, {cmp(Key::ip6_saddr, pfx("::1")), cmp(Key::ip_saddr, pfx("1.2.3.4"))})
                    .has_value());
    CHECK_FALSE(plan_rule(TableFamily::inet, {cmp(Key::meta_l4proto, std::uint64_t{17}),
                                              nft::AnyBits{Key::tcp_flags, 2}})
                    .has_value());
}

TEST_CASE("expressions the model cannot express decode to Opaque") {
    NftRulePtr r(nftnl_rule_alloc());
    nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, "gatewayd");
    nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, "c");
    NftExprPtr quota(nftnl_expr_alloc("quota"));
    nftnl_expr_set_u64(quota.get(), NFTNL_EXPR_QUOTA_BYTES, 1000);
    nftnl_rule_add_expr(r.get(), quota.release());  // the rule owns it
    NftExprPtr imm(nftnl_expr_alloc("immediate"));
    nftnl_expr_set_u32(imm.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(imm.get(), NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
    nftnl_rule_add_expr(r.get(), imm.release());  // the rule owns it
    auto rule = decode_rule(nft::TableFamily::inet, r.get(), {});
    REQUIRE(rule.stmts.size() == 2);
    const auto* o = std::get_if<nft::Opaque>(&rule.stmts[0]);
    REQUIRE(o != nullptr);
    CHECK(o->description.find("quota") != std::string::npos);
    CHECK(rule.stmts[1] == verdict(nft::VerdictKind::accept));
}

TEST_CASE("check mode leaves the batch end out") {
    std::vector<NftOp> ops;
    ops.push_back(encode_table_shell(nft::TableFamily::inet, "gatewayd", OpKind::add_table));
    for (auto mode : {ApplyMode::commit, ApplyMode::check}) {
        auto batch = build_batch(ops, 100, mode);
        std::vector<iovec> iov(static_cast<std::size_t>(nftnl_batch_iovec_len(batch.buffer.get())));
        nftnl_batch_iovec(batch.buffer.get(), iov.data(), static_cast<std::uint32_t>(iov.size()));
        std::vector<std::uint16_t> types;
        for (const auto& page : iov) {
            auto len = static_cast<int>(page.iov_len);
            for (const auto* nlh = static_cast<const nlmsghdr*>(page.iov_base); mnl_nlmsg_ok(nlh, len);
                 nlh = mnl_nlmsg_next(nlh, &len))
                types.push_back(nlh->nlmsg_type);
        }
        REQUIRE(types.size() >= 2);
        CHECK(types.front() == NFNL_MSG_BATCH_BEGIN);
        CHECK((types.back() == NFNL_MSG_BATCH_END) == (mode == ApplyMode::commit));
        CHECK(batch.by_seq.at(101) == &ops[0]);
    }
}

TEST_CASE("kernel errors read like compiler errors and are classified") {
    auto e = kernel_rejection("add rule inet gatewayd forward", EBADMSG, "", config::Loc{42, 7});
    CHECK(e.describe() == "gateway.yaml:42:7: kernel rejected add rule inet gatewayd forward: Bad message");
    e = kernel_rejection("add rule inet gatewayd forward", ENOENT, "", config::Loc{42, 7});
    CHECK(e.describe().find("forward: No such file or directory (a chain or set it names") != std::string::npos);
    e.message = "Could not process rule";
    CHECK(e.describe("/etc/gw.yaml") == "/etc/gw.yaml:42:7: kernel rejected add rule inet gatewayd forward: "
                                        "No such file or directory (Could not process rule)");
    CHECK(classify(ENOBUFS) == ErrorClass::transient);
    CHECK(classify(EBUSY) == ErrorClass::transient);
    CHECK(classify(EINVAL) == ErrorClass::fatal);
    CHECK(classify(ENOENT) == ErrorClass::fatal);
    CHECK(system_error("send nftables batch", EPERM).describe() == "send nftables batch: Operation not permitted");
}

}  // namespace gw::kernel::test

namespace gw::kernel::test {

// The round-trip tests are only as good as their ruleset: it must use every
// key in a rule and every statement kind the model has.
TEST_CASE("the test ruleset covers every key and statement") {
    std::set<Key> keys;
    std::set<std::size_t> stmts;
    std::set<nft::VerdictKind> verdicts;
    std::set<nft::RejectKind> rejects;
    std::set<nft::SetTarget> targets;
    for (const auto& t : full_ruleset().tables) {
        for (const auto& c : t.chains) {
            for (const auto& r : c.rules) {
                for (const auto& s : r.stmts) {
                    stmts.insert(s.index());
                    if (const auto* x = std::get_if<nft::Cmp>(&s)) keys.insert(x->key);
                    if (const auto* x = std::get_if<nft::AnyBits>(&s)) keys.insert(x->key);
                    if (const auto* x = std::get_if<nft::Lookup>(&s)) keys.insert(x->keys.begin(), x->keys.end());
                    if (const auto* x = std::get_if<nft::Verdict>(&s)) verdicts.insert(x->kind);
                    if (const auto* x = std::get_if<nft::Reject>(&s)) rejects.insert(x->kind);
                    if (const auto* x = std::get_if<nft::SetMeta>(&s)) targets.insert(x->target);
                }
            }
        }
    }
    CHECK(keys.size() == static_cast<std::size_t>(kLastKey) + 1);
    // All but Opaque and FlowOffload, each tested on its own.
    CHECK(stmts.size() == std::variant_size_v<nft::Stmt> - 2);
    CHECK_FALSE(stmts.contains(std::variant_size_v<nft::Stmt> - 1));
    CHECK_FALSE(stmts.contains(std::variant_size_v<nft::Stmt> - 2));
    CHECK(verdicts.size() == 6);
    CHECK(rejects.size() == 3);
    CHECK(targets.size() == 2);  // meta broute: see the netns test, and the vm tier
}

}  // namespace gw::kernel::test
