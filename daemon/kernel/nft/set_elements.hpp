// Set elements as bytes, before any decoding: read from the libnftnl
// elements of an encoding, or straight from the netlink messages of a dump.
// A dump's messages are read with libmnl into views of one copy of each
// message: libnftnl's parser allocated an object per element and was a
// third of observing a 10,000-forward ruleset. Elements that are the same
// bytes decode to the same model elements, which lets a re-apply compare a
// set with the kernel's without decoding either side (kernel_form.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/kernel/nft/attrs.hpp"
#include "daemon/kernel/nft/objects.hpp"
#include "rules/nft/ruleset.hpp"

struct nlmsghdr;

namespace gw::kernel {

// One element, as much of it as decoding reads. The views point into the
// libnftnl element or the dump message it was read from: nothing is copied
// (20,000 elements are read on a re-apply at 10,000 forwards).
struct RawElem {
    ByteView key;
    std::optional<ByteView> key_end;
    bool end = false;   // NFT_SET_ELEM_INTERVAL_END
    bool open = false;  // nft's "range runs to the maximum" flag (userdata)
    ByteView data;      // empty for a verdict
    std::optional<nft::VerdictKind> verdict;  // none also for one gatewayd never writes (queue, ...)
    std::string_view chain;                   // the verdict's jump/goto target
    std::string_view comment;
    nft::Counter counter;  // the values; not the set's content
};

// A dump's elements of one set, with the message copies they point into.
struct DumpedElements {
    std::vector<std::unique_ptr<std::uint8_t[]>> messages;
    std::vector<RawElem> elements;
};

// The elements of the libnftnl sets holding them (a dumped set, or an
// encoding's add-elements carriers), in their order.
std::vector<RawElem> read_elems(const std::vector<const nftnl_set*>& holders);

// Adds the elements of one NFT_MSG_NEWSETELEM message (a dump's reply) to
// `out`; false when the message is malformed.
bool read_elements_message(const nlmsghdr* nlh, DumpedElements& out);

// The same elements, each side in any order: every byte and flag decoding
// reads is equal (counter values are not compared: they are not content).
bool same_elements(const std::vector<RawElem>& a, const std::vector<RawElem>& b);

}  // namespace gw::kernel
