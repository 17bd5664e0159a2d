// Expressions that are whole statements on their own, needing no registers:
// counter, log, limit, reject, flow offload; and verdict codes. Anything set beyond what
// gatewayd writes (a log group, a byte limit, an ICMP reject code it never
// uses) is not a model statement: nullopt, and the rule decoder makes it Opaque.
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <string_view>

#include "daemon/kernel/nft/decode.hpp"

namespace gw::kernel {

namespace {

constexpr std::uint32_t kLogLevelWarning = 4;  // the kernel's default, which nft leaves out

std::uint32_t u32(const nftnl_expr* e, std::uint16_t attr) {
    return nftnl_expr_get_u32(e, attr);
}

std::optional<nft::RateUnit> rate_unit(std::uint64_t seconds) {
    switch (seconds) {
    case 1: return nft::RateUnit::second;
    case 60: return nft::RateUnit::minute;
    case 3600: return nft::RateUnit::hour;
    case 86400: return nft::RateUnit::day;
    default: return std::nullopt;
    }
}

std::optional<nft::Stmt> log(const nftnl_expr* e) {
    for (auto attr : {NFTNL_EXPR_LOG_SNAPLEN, NFTNL_EXPR_LOG_QTHRESHOLD})
        if (nftnl_expr_is_set(e, static_cast<std::uint16_t>(attr))) return std::nullopt;
    if (nftnl_expr_is_set(e, NFTNL_EXPR_LOG_LEVEL) && u32(e, NFTNL_EXPR_LOG_LEVEL) != kLogLevelWarning)
        return std::nullopt;
    if (nftnl_expr_is_set(e, NFTNL_EXPR_LOG_FLAGS) && u32(e, NFTNL_EXPR_LOG_FLAGS) != 0) return std::nullopt;
    nft::Log l;
    if (nftnl_expr_is_set(e, NFTNL_EXPR_LOG_PREFIX)) l.prefix = nftnl_expr_get_str(e, NFTNL_EXPR_LOG_PREFIX);
    if (nftnl_expr_is_set(e, NFTNL_EXPR_LOG_GROUP)) l.group = nftnl_expr_get_u16(e, NFTNL_EXPR_LOG_GROUP);
    return l;
}

std::optional<nft::Stmt> limit(const nftnl_expr* e) {
    if (u32(e, NFTNL_EXPR_LIMIT_TYPE) != NFT_LIMIT_PKTS || u32(e, NFTNL_EXPR_LIMIT_FLAGS) != 0) return std::nullopt;
    auto unit = rate_unit(nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_UNIT));
    if (!unit) return std::nullopt;
    return nft::Limit{nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_RATE), *unit, u32(e, NFTNL_EXPR_LIMIT_BURST)};
}

std::optional<nft::Stmt> reject(const nftnl_expr* e) {
    auto type = u32(e, NFTNL_EXPR_REJECT_TYPE);
    if (type == NFT_REJECT_TCP_RST) return nft::Reject{nft::RejectKind::tcp_reset};
    if (type != NFT_REJECT_ICMPX_UNREACH) return std::nullopt;
    auto code = nftnl_expr_get_u8(e, NFTNL_EXPR_REJECT_CODE);
    if (code == NFT_REJECT_ICMPX_ADMIN_PROHIBITED) return nft::Reject{nft::RejectKind::admin_prohibited};
    if (code == NFT_REJECT_ICMPX_PORT_UNREACH) return nft::Reject{nft::RejectKind::port_unreachable};
    return std::nullopt;
}

}  // namespace

std::optional<nft::VerdictKind> decode_verdict(int code) {
    switch (code) {
    case NF_ACCEPT: return nft::VerdictKind::accept;
    case NF_DROP: return nft::VerdictKind::drop;
    case NFT_JUMP: return nft::VerdictKind::jump;
    case NFT_GOTO: return nft::VerdictKind::goto_;
    case NFT_RETURN: return nft::VerdictKind::return_;
    case NFT_CONTINUE: return nft::VerdictKind::continue_;
    default: return std::nullopt;
    }
}

std::optional<nft::Stmt> decode_plain_stmt(const nftnl_expr* e) {
    std::string_view name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
    if (name == "counter")
        return nft::Counter{nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS), nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES)};
    if (name == "log") return log(e);
    if (name == "limit") return limit(e);
    if (name == "reject") return reject(e);
    if (name == "flow_offload") return nft::FlowOffload{nftnl_expr_get_str(e, NFTNL_EXPR_FLOW_TABLE_NAME)};
    return std::nullopt;
}

}  // namespace gw::kernel
