#include "tests/kernel/raw_dump.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "daemon/kernel/nft/key_codec.hpp"
#include "daemon/kernel/nft/observe.hpp"

namespace gw::kernel::test {

namespace {

std::string bytes_hex(const void* p, std::uint32_t len) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    return hex(Bytes(b, b + len));
}

std::string expr_text(nftnl_expr* e) {
    char buf[1024] = {};
    nftnl_expr_snprintf(buf, sizeof buf, e, NFTNL_OUTPUT_DEFAULT, 0);
    return std::string("[ ") + nftnl_expr_get_str(e, NFTNL_EXPR_NAME) + " " + buf + "]";
}

std::string u32_attr(const char* name, bool set, std::uint32_t v) {
    return set ? std::string(" ") + name + "=" + std::to_string(v) : std::string();
}

std::string elem_text(nftnl_set_elem* e) {
    std::string out = "  elem";
    auto attr = [&](const char* name, std::uint16_t a) {
        if (!nftnl_set_elem_is_set(e, a)) return;
        std::uint32_t len = 0;
        const void* p = nftnl_set_elem_get(e, a, &len);
        out += std::string(" ") + name + "=" + bytes_hex(p, len);
    };
    attr("key", NFTNL_SET_ELEM_KEY);
    attr("key_end", NFTNL_SET_ELEM_KEY_END);
    attr("data", NFTNL_SET_ELEM_DATA);
    attr("udata", NFTNL_SET_ELEM_USERDATA);
    // Element getters of unset attributes crash in libnftnl 1.2.4: ask first.
    for (auto [name, a] : {std::pair{"flags", NFTNL_SET_ELEM_FLAGS}, std::pair{"verdict", NFTNL_SET_ELEM_VERDICT}})
        if (nftnl_set_elem_is_set(e, static_cast<std::uint16_t>(a)))
            out += u32_attr(name, true, nftnl_set_elem_get_u32(e, static_cast<std::uint16_t>(a)));
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN)) out += std::string(" chain=") + nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN);
    nftnl_set_elem_expr_foreach(e, [](nftnl_expr* x, void* data) {
        *static_cast<std::string*>(data) += " " + expr_text(x);
        return 0;
    }, &out);
    return out + "\n";
}

std::string set_text(nftnl_set* s) {
    std::string out = std::string("set ") + nftnl_set_get_str(s, NFTNL_SET_NAME);
    auto u32 = [&](const char* name, std::uint16_t a) {
        out += u32_attr(name, nftnl_set_is_set(s, a), nftnl_set_get_u32(s, a));
    };
    u32("flags", NFTNL_SET_FLAGS);
    u32("key_type", NFTNL_SET_KEY_TYPE);
    u32("key_len", NFTNL_SET_KEY_LEN);
    u32("data_type", NFTNL_SET_DATA_TYPE);
    u32("data_len", NFTNL_SET_DATA_LEN);
    u32("policy", NFTNL_SET_POLICY);
    u32("size", NFTNL_SET_DESC_SIZE);
    for (auto a : {NFTNL_SET_DESC_CONCAT, NFTNL_SET_USERDATA}) {
        if (!nftnl_set_is_set(s, static_cast<std::uint16_t>(a))) continue;
        std::uint32_t len = 0;
        const void* p = nftnl_set_get_data(s, static_cast<std::uint16_t>(a), &len);
        out += (a == NFTNL_SET_USERDATA ? " udata=" : " concat=") + bytes_hex(p, len);
    }
    nftnl_set_expr_foreach(s, [](nftnl_expr* x, void* data) {
        *static_cast<std::string*>(data) += " " + expr_text(x);
        return 0;
    }, &out);
    out += "\n";
    NftElemIterPtr it(nftnl_set_elems_iter_create(s));
    std::vector<std::string> elems;
    for (auto* e = nftnl_set_elems_iter_next(it.get()); e; e = nftnl_set_elems_iter_next(it.get()))
        elems.push_back(elem_text(e));
    std::sort(elems.begin(), elems.end());  // hash sets return elements in any order
    for (const auto& e : elems) out += e;
    return out;
}

std::string rule_text(nftnl_rule* r) {
    std::string out = std::string("rule ") + nftnl_rule_get_str(r, NFTNL_RULE_CHAIN) + "\n";
    NftExprIterPtr it(nftnl_expr_iter_create(r));
    for (auto* e = nftnl_expr_iter_next(it.get()); e; e = nftnl_expr_iter_next(it.get()))
        out += "  " + expr_text(e) + "\n";
    if (nftnl_rule_is_set(r, NFTNL_RULE_USERDATA)) {
        std::uint32_t len = 0;
        const void* p = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
        out += "  udata=" + bytes_hex(p, len) + "\n";
    }
    return out;
}

std::string chain_text(nftnl_chain* c) {
    std::string out = std::string("chain ") + nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
    if (nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE)) out += std::string(" type=") + nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
    out += u32_attr("hook", nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM), nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM));
    if (nftnl_chain_is_set(c, NFTNL_CHAIN_PRIO)) out += " prio=" + std::to_string(nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO));
    out += u32_attr("policy", nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY), nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY));
    out += u32_attr("flags", nftnl_chain_is_set(c, NFTNL_CHAIN_FLAGS), nftnl_chain_get_u32(c, NFTNL_CHAIN_FLAGS));
    return out + "\n";
}

}  // namespace

std::string raw_dump() {
    auto sock = NftSocket::open();
    if (!sock) throw std::runtime_error(sock.error().describe());
    auto dump = observe_owned_tables(*sock);
    if (!dump) throw std::runtime_error(dump.error().describe());
    std::string out;
    for (auto& t : dump->tables) {
        out += std::string("table ") + std::to_string(nftnl_table_get_u32(t.get(), NFTNL_TABLE_FAMILY)) + " " +
               nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME) +
               u32_attr("flags", nftnl_table_is_set(t.get(), NFTNL_TABLE_FLAGS), nftnl_table_get_u32(t.get(), NFTNL_TABLE_FLAGS)) + "\n";
    }
    for (auto& s : dump->sets) out += set_text(s.get());
    for (auto& c : dump->chains) out += chain_text(c.get());
    for (auto& r : dump->rules) out += rule_text(r.get());
    return out;
}

}  // namespace gw::kernel::test
