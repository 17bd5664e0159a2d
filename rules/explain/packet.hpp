// The packet `gwctl explain` follows through the compiled model, and the
// steps it records on the way. A packet is the first one of a connection
// (conntrack state new): that is the packet every NAT and filter decision
// is taken on; later packets follow the connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/config/source.hpp"
#include "rules/net/address.hpp"

namespace gw::explain {

struct Packet {
    net::Family family = net::Family::ipv4;
    net::Address saddr;
    net::Address daddr;
    std::uint8_t l4proto = 6;          // IPPROTO_*: tcp 6, udp 17, icmp 1, icmpv6 58
    std::uint16_t sport = 40000;
    std::uint16_t dport = 0;
    std::uint8_t icmp_type = 0;        // with icmp/icmpv6: echo-request by default
    std::string iif;                   // "" where the hook has no input device
    std::string oif;                   // "" until routing chose one
    std::uint32_t mark = 0;
    std::uint32_t ct_mark = 0;
    std::uint32_t ct_state = 8;        // new
    std::uint32_t ct_status = 0;       // dnat/snat bits once translated
    std::optional<std::uint32_t> skuid;  // locally generated: the socket's owner
    std::optional<std::uint32_t> skgid;
    std::uint16_t ether_type = 0;      // bridge hooks: 0x0800 / 0x86dd
    bool broute = false;               // a bridge prerouting rule handed the frame to the host
    bool is_tcp() const { return l4proto == 6; }
    bool has_ports() const { return l4proto == 6 || l4proto == 17; }
};

// How the walk ended.
enum class Outcome {
    delivered,    // reaches the destination (a host or the gateway's own socket)
    dropped,      // silently discarded: the sender times out
    rejected,     // refused with a TCP reset or an ICMP error: the sender fails at once
    unreachable,  // no route (or an unreachable rule): ICMP unreachable to the sender
};

const char* outcome_name(Outcome o);

// One decision on the way: which hook and chain, what it did, which nft
// rule (or set element) decided, and the gateway.yaml line behind it.
struct Step {
    std::string stage;     // "prerouting", "routing", "forward", ...
    std::string verdict;   // "accept", "drop", "DNAT", "route", "policy accept", ...
    std::string detail;    // human sentence
    std::string chain;     // "inet gatewayd forward"; "" for routing
    std::string rule;      // the nft rule or element as text; "" for a policy
    std::string origin;    // "nat.forwards[0]" / "firewall.forward.rules[2]"; "" when none
    config::Loc loc;       // its line in the file (unknown for built-ins and policies)
};

struct Explanation {
    Packet initial;
    Packet final;            // addresses and ports after NAT, as the receiver sees them
    Outcome outcome = Outcome::delivered;
    bool to_gateway = false; // delivered to the gateway's own socket
    std::string out_link;    // the link the packet left by (forwarded or local output)
    std::vector<Step> steps;
    std::vector<std::string> notes;  // assumptions the walk made (placeholder addresses, ...)
};

}  // namespace gw::explain
