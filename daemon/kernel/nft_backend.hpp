// The nftables side of the kernel, behind one narrow interface: observe
// what gatewayd's tables hold, replace them atomically, or update only the
// elements of named sets. NftNetlink talks to the kernel; the daemon's
// reconcile tests use an in-memory implementation. gatewayd owns exactly
// `table inet gatewayd` and `table bridge gatewayd` and never touches any
// other table (Docker's, libvirt's, the operator's).
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "daemon/kernel/kernel_error.hpp"
#include "daemon/kernel/nft_batch.hpp"
#include "rules/nft/ruleset.hpp"

namespace gw::kernel {

// New elements for one named set; the set's key/data/flags describe how to
// encode them and must match the set in the kernel.
struct ElementUpdate {
    nft::TableFamily family = nft::TableFamily::inet;
    std::string table = nft::kTableName;
    nft::Set set;
};

class NftBackend {
public:
    virtual ~NftBackend() = default;

    // gatewayd's tables as the kernel holds them, decoded (counter values
    // filled in). Absent tables are simply not in the result.
    virtual std::expected<nft::Ruleset, KernelError> observe() = 0;

    // One transaction: every owned table in `desired` is replaced whole,
    // every owned table not in it is deleted. A rejection leaves the old
    // ruleset in place. check: the kernel validates, nothing changes.
    virtual std::expected<void, KernelError> apply(const nft::Ruleset& desired, ApplyMode mode) = 0;

    // One transaction: each set's elements are flushed and replaced;
    // chains, rules and other sets stay as they are.
    virtual std::expected<void, KernelError> replace_elements(const std::vector<ElementUpdate>& updates,
                                                              ApplyMode mode) = 0;
};

bool is_owned_table(nft::TableFamily family, const std::string& name);

// The form observe() returns `ruleset` in once applied: protocol
// dependencies nft adds spelled out, set keys as their datatypes say,
// elements in canonical order. Pure; compare canonicalize(desired) with
// observe() to decide whether anything needs applying.
std::expected<nft::Ruleset, KernelError> canonicalize(const nft::Ruleset& ruleset);

// The libnftnl/libmnl implementation.
class NftNetlink final : public NftBackend {
public:
    static std::expected<std::unique_ptr<NftNetlink>, KernelError> open();

    std::expected<nft::Ruleset, KernelError> observe() override;
    std::expected<void, KernelError> apply(const nft::Ruleset& desired, ApplyMode mode) override;
    std::expected<void, KernelError> replace_elements(const std::vector<ElementUpdate>& updates,
                                                      ApplyMode mode) override;

private:
    explicit NftNetlink(NftSocket sock) : sock_(std::move(sock)) {}
    NftSocket sock_;
};

}  // namespace gw::kernel
