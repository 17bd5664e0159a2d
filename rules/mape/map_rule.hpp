// MAP-E (RFC 7597) arithmetic: from a basic mapping rule and the CE's
// end-user IPv6 prefix, the CE's shared IPv4 address, its PSID, its port
// set and its IPv6 address. Pure integer work on plain values; validation
// of a rule (what check_rule() refuses) happens before any of it runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/net/address.hpp"

namespace gw::mape {

// Where the IPv4 address and PSID sit in the CE's interface identifier.
enum class Layout {
    rfc7597,  // 16 zero bits | IPv4 (32) | PSID (16, right-aligned)            (RFC 7597 section 6)
    legacy,   // 8 zero bits | IPv4 (32) | PSID (16) | 8 zero bits (draft-03; what v6plus BRs expect)
};

// The basic mapping rule (BMR) of a MAP domain.
struct MapRule {
    net::Prefix ipv6;      // rule IPv6 prefix (network)
    net::Prefix ipv4;      // rule IPv4 prefix (network)
    int ea_bits = 0;       // embedded-address bits that follow the rule IPv6 prefix
    int psid_offset = 6;   // a: high port bits that select a block (RFC default 6)
    Layout layout = Layout::rfc7597;

    // q = EA-bits minus the IPv4 suffix bits: how many PSID bits the EA-bits carry.
    int psid_length() const { return ea_bits - (32 - ipv4.length); }
    // The end-user prefix length the rule needs: rule IPv6 prefix plus EA-bits.
    int end_user_length() const { return ipv6.length + ea_bits; }
};

// What is wrong with a rule, or nullopt when it is usable. Message and hint
// are for the operator; the caller adds the file position.
struct RuleProblem {
    enum class What { ea_bits_past_64, ea_bits_too_short, psid_too_long, psid_length_mismatch } what;
    std::string message;
    std::string hint;
};
std::optional<RuleProblem> check_rule(const MapRule& rule, std::optional<int> stated_psid_length);

// One contiguous run of ports of the set: [first, last].
struct PortBlock {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    friend bool operator==(const PortBlock&, const PortBlock&) = default;
};

// Everything a CE derives from its end-user prefix.
struct CeFacts {
    net::Prefix end_user;       // the first end_user_length() bits of the live prefix
    net::Address ipv4;          // the shared IPv4 address
    std::uint32_t psid = 0;
    std::vector<PortBlock> blocks;  // ascending
    net::Address ipv6;          // the CE's own address (tunnel source)
    std::uint32_t port_count() const;
    bool holds_port(std::uint16_t port) const;
};

// The blocks of `psid`'s port set: for every block index A from 1 (0 when
// a = 0) to 2^a - 1, ports (A << (16 - a)) | (psid << m) | j, j < 2^m,
// m = 16 - a - q. Port 0 is never in a set.
std::vector<PortBlock> port_blocks(const MapRule& rule, std::uint32_t psid);
// The PSID a port belongs to under `rule` (the BR's view of a packet).
std::uint32_t psid_of_port(const MapRule& rule, std::uint16_t port);
// nullopt when `prefix` is shorter than end_user_length() or outside the rule prefix.
std::optional<CeFacts> derive_ce(const MapRule& rule, const net::Prefix& prefix);
// The CE's IPv6 address in `layout` for its end-user prefix, IPv4 address and PSID.
net::Address ce_ipv6(const net::Prefix& end_user, const net::Address& ipv4, std::uint32_t psid, Layout layout);
// Every port of the blocks in the order SNAT hands them out: one from each
// block in turn (block 1's first, block 2's first, ..., block 1's second,
// ...), so consecutive connections use every block and a full block is
// never hit twice in a row.
std::vector<std::uint16_t> spread_ports(const std::vector<PortBlock>& blocks);
// How many ports a CE of `rule` has: the same for every PSID, except that
// with psid-offset 0 the set of PSID 0 loses port 0.
std::uint32_t ports_per_ce(const MapRule& rule);
// "5744-5759, 9840-9855, ..." for status.
std::string render_blocks(const std::vector<PortBlock>& blocks);

}  // namespace gw::mape
