// The nft room's face: gatewayd's tables observed, a desired ruleset put in
// the kernel's form and encoded once, tables replaced in one transaction,
// or only the elements of named sets replaced. LinuxKernel composes it
// with the rtnl room; the kernel-layer tests use it directly.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <vector>

#include "daemon/kernel/kernel.hpp"
#include "daemon/kernel/nft/decode.hpp"
#include "daemon/kernel/nft/encode.hpp"
#include "daemon/kernel/nft/socket.hpp"

namespace gw::kernel {

// A ruleset run through the encoder and back through the decoder with no
// kernel in between: what observe() would return after applying it (the
// protocol dependencies nft adds spelled out, set keys as their datatypes
// say, elements in canonical order). Pure.
std::expected<nft::Ruleset, KernelError> as_kernel_holds(const nft::Ruleset& ruleset);

// The two halves of as_kernel_holds(): every table's operations in one
// list, then their objects decoded as a dump would list them; the
// operations come back from the decoder unchanged, ready to send.
std::expected<std::vector<NftOp>, KernelError> encode_ruleset(const nft::Ruleset& ruleset);
nft::Ruleset decode_encoded(std::vector<NftOp>& ops);

// What observe() read, for prepare_against(): the dump, whose named sets'
// elements stay bytes until compared with a desired ruleset's.
struct ObservedElements {
    NftDump dump;
};

struct KernelFormAgainst {
    nft::Ruleset form;
    std::vector<nft::SetRef> same_elements;  // as Prepared::same_elements
};

// decode_encoded(ops) of `compiled`'s encoding, compared with `observed`,
// decoded from `dumped` with its named sets' elements left out; those are
// filled in here. A set whose elements the kernel holds byte for byte as
// `ops` carry them (and whose definition matches) is decoded on neither
// side: the form gets `compiled`'s elements (which encode to those bytes),
// `observed` keeps none, and the set is listed in same_elements.
KernelFormAgainst kernel_form_against(nft::Ruleset compiled, std::vector<NftOp>& ops, nft::Ruleset& observed,
                                      const NftDump& dumped);

class NftNetlink {
public:
    static std::expected<std::unique_ptr<NftNetlink>, KernelError> open();

    // gatewayd's tables as the kernel holds them, decoded (counter values
    // filled in). Absent tables are simply not in the result. `generation`,
    // if given, gets the ruleset generation the snapshot was taken at.
    // With `deferred`, named sets come without elements and *deferred gets
    // what prepare_against() needs to fill them in.
    std::expected<nft::Ruleset, KernelError> observe(std::uint32_t* generation = nullptr,
                                                     std::shared_ptr<const ObservedElements>* deferred = nullptr);
    // The ruleset generation now (NFT_MSG_GETGEN).
    std::expected<std::uint32_t, KernelError> generation();

    // as_kernel_holds(desired) (or, as_compiled, `desired` itself) and the
    // encoding it was decoded from, which replace() sends as it is: one
    // encoding for both. Nothing is serialised here: the plan may send
    // nothing, or only elements.
    std::expected<Prepared, KernelError> prepare(nft::Ruleset desired, KernelForm form);
    // prepare() for comparing with `observed`, which observe() returned with
    // `deferred`: fills in its sets' elements (kernel_form_against). With no
    // owned table observed, the compiled ruleset is the kernel form.
    std::expected<Prepared, KernelError> prepare_against(nft::Ruleset desired, nft::Ruleset& observed,
                                                         const ObservedElements* deferred);

    // One transaction: every owned table in `desired` is replaced whole,
    // every owned table not in it is deleted. A rejection leaves the old
    // ruleset in place. `encoded` (from prepare(desired)) saves encoding
    // again. check: the kernel validates, nothing changes.
    std::expected<void, KernelError> replace(const nft::Ruleset& desired, const plan::Encoded* encoded,
                                             ApplyMode mode);
    std::expected<void, KernelError> apply(const nft::Ruleset& desired, ApplyMode mode) {
        return replace(desired, nullptr, mode);
    }

    // One transaction: each set's elements are flushed and replaced;
    // chains, rules and other sets stay as they are.
    std::expected<void, KernelError> replace_elements(const std::vector<plan::ElementUpdate>& updates,
                                                      ApplyMode mode);

private:
    explicit NftNetlink(NftSocket sock) : sock_(std::move(sock)) {}
    NftSocket sock_;
};

}  // namespace gw::kernel
