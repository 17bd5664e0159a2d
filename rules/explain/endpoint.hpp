// The words of `gwctl explain FROM TO [PROTO/PORT]` turned into a packet:
// an address, `gateway`, or the name of a zone, interface, uplink or port
// forward. Names stand for a representative host (the gateway's side of a
// zone's network, an Internet address behind an uplink); the choice is
// written into the explanation's notes so the operator sees what was
// assumed. Pure: users are resolved by the caller.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "rules/explain/walk.hpp"

namespace gw::explain {

struct Request {
    std::string from;
    std::string to;
    std::string proto;                     // "tcp/443", "udp/53", "icmp", "" (ping, or the forward's own)
    std::string in;                        // --in LINK: the link the packet arrives on
    std::optional<std::uint32_t> uid;      // --uid: the socket owner (from the gateway)
    std::optional<std::uint32_t> gid;
    std::optional<net::Family> family;     // -4 / -6
};

struct Resolved {
    Query query;
    std::vector<std::string> notes;
};

std::expected<Resolved, std::string> resolve_request(const Model& model, const Request& request);

}  // namespace gw::explain
