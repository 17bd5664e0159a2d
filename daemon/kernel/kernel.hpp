// The kernel behind one narrow interface: observe a scope, put a desired
// ruleset in the kernel's form (encoded once), apply a Plan, check a Plan.
// LinuxKernel (linux_kernel.hpp) is the real one, built from the nft room
// (kernel/nft/: libnftnl + libmnl) and the rtnl room (kernel/rtnl/: libnl-3
// and /proc/sys); tests/fake/ holds the in-memory one the reconcile tests
// also run against. gatewayd writes only `table inet gatewayd`, `table
// bridge gatewayd` and the netlink objects rules/netstate/owner.hpp calls
// its own. Includes no C library header: gwctl builds against this alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/kernel/kernel_error.hpp"
#include "rules/net/address.hpp"
#include "rules/netstate/model.hpp"
#include "rules/nft/diff.hpp"
#include "rules/nft/ruleset.hpp"
#include "rules/plan/plan.hpp"

namespace gw::kernel {

enum class ApplyMode {
    commit,  // apply atomically
    check,   // let the kernel validate everything, then abort: changes nothing
};

// The nft room's record of set elements observe() left out (nft/netlink.hpp).
struct ObservedElements;

// What observe() looks at.
struct Scope {
    bool nft = false;                  // gatewayd's tables
    bool defer_set_elements = false;   // nft: named sets come without elements, for
                                       // prepare_against() to fill in
    bool net = false;                  // links, addresses, owned routes and rules
    std::vector<std::string> sysctls;  // these /proc/sys paths ("net/ipv4/ip_forward")
};

// link name -> its addresses (IPv6 link-local left out); absent links are absent.
using AddressMap = std::map<std::string, std::vector<net::Address>, std::less<>>;

struct Observed {
    nft::Ruleset nft;        // decoded, counter values filled; absent tables absent
    netstate::NetState net;  // every link, permanent addresses, owned routes and rules,
                             // the scope's sysctls; cut to a desired state with
                             // netstate::restrict_to_scope
    AddressMap addresses;    // every link's addresses of any lifetime (pppd's, DHCP's)
    std::uint32_t nft_generation = 0;  // scope.nft: the ruleset generation `nft` was read at
    // scope.defer_set_elements: the kernel layer's own record of those
    // elements, which prepare_against() reads (null when nothing was deferred).
    std::shared_ptr<const ObservedElements> nft_elements;
};

// How prepare() gets the kernel form of a compiled ruleset.
enum class KernelForm {
    decoded,      // its encoding decoded again without a kernel: what observing it
                  // after the apply returns, for comparing with what is observed
    as_compiled,  // the compiled ruleset itself, which is that form already (each
                  // golden case is checked to be): for a plan with nothing to compare
                  // it with, a first apply onto no owned tables
};

// A desired ruleset as observe() would return it once applied, and the
// encoding apply() sends for it (built once, for both).
struct Prepared {
    nft::Ruleset kernel_form;
    std::shared_ptr<const plan::Encoded> encoded;
    // prepare_against(): sets the kernel holds byte for byte as encoded,
    // which the observed ruleset has without elements (plan::plan_nft).
    std::vector<nft::SetRef> same_elements;
};

struct ApplyOutcome {
    bool nft_in_sync = false;         // the plan's ruleset is in the kernel (or had nothing to do)
    std::size_t net_applied = 0;      // netlink requests the kernel now reflects
    std::vector<KernelError> errors;  // fatal ones stop the run; transient ones are retried later
};

class Kernel {
public:
    virtual ~Kernel() = default;

    virtual std::expected<Observed, KernelError> observe(const Scope& scope) = 0;
    virtual std::expected<Prepared, KernelError> prepare(nft::Ruleset desired, KernelForm form) = 0;
    // prepare() for comparing with `observed` (taken with
    // Scope::defer_set_elements), whose sets' elements it fills in: a set
    // the kernel holds byte for byte as the desired one encodes is decoded
    // on neither side, and left without elements in `observed` (listed in
    // Prepared::same_elements). As KernelForm::as_compiled when no owned
    // table was observed.
    virtual std::expected<Prepared, KernelError> prepare_against(nft::Ruleset desired, Observed& observed) = 0;

    // The nft part first, as one transaction (a table replacement or an
    // element-only update); the netlink requests, in the plan's order, only
    // once it is in. EEXIST on create and "already gone" on delete are
    // success; a transient netlink failure does not stop the others (for a
    // one-shot apply LinuxKernel can undo the run instead). A fatal one stops
    // the run and undoes the netlink changes it had made.
    virtual ApplyOutcome apply(const plan::Plan& plan) = 0;

    // The nftables ruleset generation. Every committed transaction, by
    // anyone and to any table, moves it on by one; so while it stays what it
    // was right after gatewayd's own commit, the kernel still holds what that
    // commit left. One small request, no dump.
    virtual std::expected<std::uint32_t, KernelError> nft_generation() = 0;

    // The kernel validates the plan's whole ruleset and aborts: nothing changes.
    virtual std::expected<void, KernelError> check(const plan::Plan& plan) = 0;
};

bool is_owned_table(nft::TableFamily family, const std::string& name);

}  // namespace gw::kernel
