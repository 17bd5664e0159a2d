// The drop log's pure parts: NFLOG messages captured from the kernel (a
// `log prefix ... group 4747` rule in a namespace, read with a bare
// netfilter netlink socket), the GW_* fields made of them, and the times
// `gwctl log --since` accepts.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <libmnl/libmnl.h>

#include <string>

#include "daemon/droplog/fields.hpp"
#include "daemon/droplog/since.hpp"
#include "daemon/kernel/nflog/decode.hpp"

using namespace gw;

namespace {

// udp 127.0.0.1:40000 -> 127.0.0.1:9999 in an inet output chain,
// prefix "gw-forward-drop: ", out on lo (ifindex 1).
const std::string kUdp4(
    "\x70\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x12\x8b\x08\x00\x01\x00\x08\x00\x03\x00\x16\x00\x0a\x00"
    "\x67\x77\x2d\x66\x6f\x72\x77\x61\x72\x64\x2d\x64\x72\x6f\x70\x3a\x20\x00\x00\x00\x08\x00\x05\x00\x00\x00\x00\x01\x08\x00\x0b\x00"
    "\x00\x00\x00\x00\x08\x00\x0e\x00\x00\x00\x00\x00\x21\x00\x09\x00\x45\x00\x00\x1d\xf1\x69\x40\x00\x40\x11\x4b\x64\x7f\x00\x00\x01"
    "\x7f\x00\x00\x01\x9c\x40\x27\x0f\x00\x09\xfe\x1c\x78\x00\x00\x00", 112);

// An ICMPv6 echo request ::1 -> ::1 in the same chain, prefix "gw-v6: ".
const std::string kIcmp6(
    "\xac\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0a\x00\x12\x8b\x08\x00\x01\x00\x86\xdd\x03\x00\x0c\x00\x0a\x00"
    "\x67\x77\x2d\x76\x36\x3a\x20\x00\x08\x00\x05\x00\x00\x00\x00\x01\x08\x00\x0b\x00\x00\x00\x00\x00\x08\x00\x0e\x00\x00\x00\x00\x00"
    "\x6c\x00\x09\x00\x60\x03\x8f\x0b\x00\x40\x3a\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x80\x00\x64\x96\x2a\x2c\x00\x01\x88\x63\x16\x6b\x00\x00\x00\x00\x8b\x1e\x08\x00"
    "\x00\x00\x00\x00\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a\x2b"
    "\x2c\x2d\x2e\x2f\x30\x31\x32\x33\x34\x35\x36\x37", 172);

const nlmsghdr* msg(const std::string& bytes) { return reinterpret_cast<const nlmsghdr*>(bytes.data()); }

std::string names(std::uint32_t ifindex) { return ifindex == 1 ? "lo" : ifindex == 7 ? "lan0" : "?"; }

}  // namespace

TEST_CASE("an NFLOG packet message decodes to its prefix, hook, interfaces and IPv4 header") {
    auto p = kernel::decode_nflog_packet(msg(kUdp4));
    REQUIRE(p);
    CHECK(p->family == 2);
    CHECK(p->prefix == "gw-forward-drop: ");
    REQUIRE(p->hook);
    CHECK(kernel::hook_name(*p->hook) == "output");
    CHECK(p->indev == 0);
    CHECK(p->outdev == 1);
    CHECK(p->src == "127.0.0.1");
    CHECK(p->dst == "127.0.0.1");
    CHECK(p->proto == "udp");
    CHECK(p->sport == 40000);
    CHECK(p->dport == 9999);
}

TEST_CASE("an IPv6 packet without ports decodes with addresses and protocol only") {
    auto p = kernel::decode_nflog_packet(msg(kIcmp6));
    REQUIRE(p);
    CHECK(p->family == 10);
    CHECK(p->prefix == "gw-v6: ");
    CHECK(p->src == "::1");
    CHECK(p->dst == "::1");
    CHECK(p->proto == "icmpv6");
    CHECK_FALSE(p->sport);
    CHECK_FALSE(p->dport);
}

TEST_CASE("other messages and cut ones are not packets") {
    std::string other = kUdp4;
    other[4] = NFULNL_MSG_CONFIG;  // nlmsg_type's low byte: the message type
    CHECK_FALSE(kernel::decode_nflog_packet(msg(other)));
    std::string cut = kUdp4.substr(0, 52);  // header, nfgenmsg, part of the attributes
    cut[0] = 52;
    auto p = kernel::decode_nflog_packet(msg(cut));
    REQUIRE(p);  // what is there is read; the payload is not
    CHECK(p->src.empty());
    CHECK_FALSE(p->dport);
}

TEST_CASE("the bind request carries the group, BIND and the copy mode") {
    auto req = kernel::encode_nflog_bind(4747, 128, 9);
    std::string copy(req.begin(), req.end());
    const auto* nlh = msg(copy);
    CHECK(nlh->nlmsg_type == ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG));
    CHECK(nlh->nlmsg_seq == 9);
    CHECK((nlh->nlmsg_flags & NLM_F_ACK) != 0);
    auto* nfg = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh));
    CHECK(ntohs(nfg->res_id) == 4747);
    bool bind = false, mode = false;
    const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
    for (const auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
         mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char*>(attr))); attr = mnl_attr_next(attr)) {
        if (mnl_attr_get_type(attr) == NFULA_CFG_CMD)
            bind = static_cast<const nfulnl_msg_config_cmd*>(mnl_attr_get_payload(attr))->command == NFULNL_CFG_CMD_BIND;
        if (mnl_attr_get_type(attr) == NFULA_CFG_MODE) {
            auto* m = static_cast<const nfulnl_msg_config_mode*>(mnl_attr_get_payload(attr));
            mode = m->copy_mode == NFULNL_COPY_PACKET && ntohl(m->copy_range) == 128;
        }
    }
    CHECK(bind);
    CHECK(mode);
}

TEST_CASE("the drop class is the prefix without gw- and its colon") {
    CHECK(droplog::drop_class("gw-forward-drop: ") == "forward-drop");
    CHECK(droplog::drop_class("gw-ssh-brute: ") == "ssh-brute");
    CHECK(droplog::drop_class("my-own:") == "my-own");
    CHECK(droplog::drop_class("") == "");
}

TEST_CASE("GW_ fields of a packet, with interface names and the bridge port when there is one") {
    auto p = *kernel::decode_nflog_packet(msg(kUdp4));
    auto f = droplog::drop_fields(p, names);
    CHECK(droplog::drop_fields_line(f) ==
          "GW_CLASS=forward-drop GW_CHAIN=output GW_OUT=lo GW_SRC=127.0.0.1 GW_DST=127.0.0.1 "
          "GW_PROTO=udp GW_SPORT=40000 GW_DPORT=9999");
    CHECK(droplog::drop_message(f) == "drop forward-drop: - -> lo udp 127.0.0.1:40000 -> 127.0.0.1:9999");
    p.physoutdev = 7;
    CHECK(droplog::drop_fields(p, names)[2].second == "lan0");
    auto v6 = droplog::drop_fields(*kernel::decode_nflog_packet(msg(kIcmp6)), names);
    CHECK(droplog::drop_message(v6) == "drop v6: - -> lo icmpv6 ::1 -> ::1");
}

TEST_CASE("--since takes dates, epoch seconds and ages") {
    const std::uint64_t now = 1'765'096'215'000'000;  // 2025-12-07 08:30:15 UTC
    CHECK(droplog::parse_since("@1765096000", now) == 1'765'096'000'000'000);
    CHECK(droplog::parse_since("-10min", now) == now - 600'000'000);
    CHECK(droplog::parse_since("10min ago", now) == now - 600'000'000);
    CHECK(droplog::parse_since("2h", now) == now - 7'200'000'000);
    CHECK(droplog::parse_since("1 d ago", now) == now - 86'400'000'000);
    CHECK(droplog::parse_since("2025-12-07 08:30:15", now).has_value());
    CHECK(*droplog::parse_since("2025-12-07 08:30", now) + 15'000'000 == *droplog::parse_since("2025-12-07 08:30:15", now));
    CHECK(*droplog::parse_since("2025-12-07", now) < *droplog::parse_since("2025-12-07 00:00:01", now));
    CHECK_FALSE(droplog::parse_since("yesterday", now));
    CHECK_FALSE(droplog::parse_since("10 fortnights", now));
    CHECK_FALSE(droplog::parse_since("2025-12-07 8", now));
    CHECK_FALSE(droplog::parse_since("@", now));
}
