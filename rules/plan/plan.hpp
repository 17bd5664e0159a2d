// One reconcile's decision, pure: the desired state and what the kernel
// holds of it become one Plan. For nftables: nothing, an element-only
// update of named sets (an uplink's address in the hairpin set), or a
// replacement of gatewayd's tables; for netlink: the requests in the one
// order they run in (netstate::order_ops, applied here and nowhere else).
// `gwctl diff` prints a Plan; the daemon and gwctl's direct mode hand one
// to the kernel layer (daemon/kernel/kernel.hpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/netstate/diff.hpp"
#include "rules/nft/diff.hpp"
#include "rules/nft/ruleset.hpp"

namespace gw::plan {

// New elements for one named set; the set's key/data/flags describe how to
// encode them and must match the set in the kernel.
struct ElementUpdate {
    nft::TableFamily family = nft::TableFamily::inet;
    std::string table = nft::kTableName;
    nft::Set set;
};

// The kernel layer's own encoding of `NftPlan::desired`, made once when it
// put the ruleset in the kernel's form; a replacement sends it as it is.
// Opaque here (the pure core knows nothing of libnftnl); may be absent,
// and then the kernel layer encodes `desired` itself.
struct Encoded {
    virtual ~Encoded() = default;
};

struct NftPlan {
    nft::ChangeKind kind = nft::ChangeKind::none;
    nft::Ruleset desired;                    // the whole wanted ruleset, as the kernel holds it;
                                             // empty in a plan_set_elements() plan
    std::vector<ElementUpdate> elements;     // kind == elements: each changed set, whole
    std::shared_ptr<const Encoded> encoded;  // `desired` encoded for the kernel, if known
    std::string text;                        // unified diff "--- kernel" / "+++ config"
};

struct NetPlan {
    std::vector<netstate::NetOp> ops;  // in apply order
    std::string text;                  // "+address ..." / "-route ..." lines
    bool empty() const { return ops.empty(); }
};

struct Plan {
    NftPlan nft;
    NetPlan net;
    bool empty() const { return nft.kind == nft::ChangeKind::none && net.empty(); }
};

// `desired` must be in the kernel's form (what observing it would return
// once applied); `encoded` is its encoding, passed through to the plan.
// `same_elements`: sets `observed` holds without elements because the
// kernel layer found them the same as desired's (kernel::Prepared).
NftPlan plan_nft(nft::Ruleset desired, nft::Ruleset observed,
                 std::shared_ptr<const Encoded> encoded = {},
                 const std::vector<nft::SetRef>& same_elements = {});
// The nft part of a reconcile that trusts the kernel to hold what was last
// applied: `wanted` and `applied` hold the same sets (kernel form), as now
// compiled and as last applied. Nothing, or an element-only update of those
// that differ; nullopt when they differ in more than elements, which only a
// whole reconcile can plan. The plan carries no `desired`: it can only be
// applied, never checked or used to replace tables.
std::optional<NftPlan> plan_set_elements(const nft::Ruleset& wanted, const nft::Ruleset& applied);
// `observed` is the kernel's state restricted to `desired` as scope
// (netstate::restrict_to_scope).
NetPlan plan_net(const netstate::NetState& desired, const netstate::NetState& observed);

// nft diff, then the netlink lines under a "netlink:" heading; "" when empty.
std::string render_changes(const std::string& nft_text, const std::string& net_text);

}  // namespace gw::plan
