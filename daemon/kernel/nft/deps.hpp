// Protocol dependencies, the way nft 1.0.6 adds them: before `ip saddr` in
// an inet table nft inserts `meta nfproto ipv4`, before `icmp type` also
// `meta l4proto icmp`, before `reject with tcp reset` a leading
// `meta l4proto tcp`, unless the rule already established that protocol.
// The encoder runs each rule through plan_rule() so that a rule the
// compiler wrote without its dependencies lands in the kernel exactly as
// `nft -f` of the rendered text would put it. Rules that state their
// dependencies explicitly (gatewayd's compiler does) pass through unchanged.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <variant>
#include <vector>

#include "rules/nft/ruleset.hpp"

namespace gw::kernel {

enum class DepKind {
    nfproto,        // meta nfproto <v> (inet)
    l4proto,        // meta l4proto <v>
    ether_type,     // ether type <v> (bridge; before icmp/icmpv6)
    meta_protocol,  // meta protocol <v> (bridge; before ip/ip6 header fields)
};

struct Dep {
    DepKind kind = DepKind::nfproto;
    std::uint32_t value = 0;
    friend bool operator==(const Dep&, const Dep&) = default;
};

// A statement of the rule, or a dependency the planner inserted.
using Item = std::variant<nft::Stmt, Dep>;

// The rule's statements with the dependencies nft would insert; an error
// names conflicting protocols (`ip saddr` after `meta nfproto ipv6`).
std::expected<std::vector<Item>, std::string> plan_rule(nft::TableFamily family,
                                                        const std::vector<nft::Stmt>& stmts);

// Dependencies that have a model spelling become ordinary statements
// (`meta nfproto ipv4` is a Cmp); `meta protocol` has none.
std::optional<nft::Stmt> dep_as_stmt(const Dep& dep);

}  // namespace gw::kernel
