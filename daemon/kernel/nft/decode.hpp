// libnftnl objects (as a dump returns them) -> nft::Ruleset. Pure: the
// socket code in nft_observe.cpp fills an NftDump, these functions read
// it, so they are tested on objects built in memory. Whatever the model
// cannot express decodes to nft::Opaque with the kernel's own description,
// so the daemon sees drift instead of silently dropping it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/kernel/nft/objects.hpp"
#include "daemon/kernel/nft/set_elements.hpp"
#include "rules/nft/ruleset.hpp"

namespace gw::kernel {

// Everything a dump of some tables returned.
struct NftDump {
    std::vector<NftTablePtr> tables;
    std::vector<NftChainPtr> chains;
    std::vector<NftSetPtr> sets;  // named and anonymous, with their elements
    std::vector<NftRulePtr> rules;
    std::vector<NftFlowtablePtr> flowtables;
    std::uint32_t generation = 0;  // the ruleset generation the dump was taken at
    // Where sets' elements are (set_objects(); a set in neither map is read
    // as holding its own: an encoding's set sent without elements has none).
    // An encoding lent by decode_encoded(): in its add-elements carriers,
    // read there rather than copying 20,000 into the definitions.
    std::map<const nftnl_set*, std::vector<const nftnl_set*>> elements_held_by;
    // A dump: read from its messages as bytes (set_elements.hpp).
    std::map<const nftnl_set*, DumpedElements> dumped_elements;
    // Named sets whose elements decode_ruleset() leaves out, for the caller
    // to fill in: a re-apply decodes a set on neither side when the kernel
    // holds it byte for byte as encoded (kernel_form.cpp).
    std::set<const nftnl_set*> elements_left_out;
};

// A set's definition and the objects holding its elements.
struct SetObjects {
    const nftnl_set* set = nullptr;
    std::vector<const nftnl_set*> holders;      // libnftnl sets carrying its elements, or
    const std::vector<RawElem>* dumped = nullptr;  // its elements as a dump read them
};

// Tables in the dump, inet before bridge, each with its named sets, chains
// and rules in kernel order and set elements in canonical order.
nft::Ruleset decode_ruleset(const NftDump& dump);

// ---- pieces ------------------------------------------------------------

// The sets of one table by name, for rules that refer to them.
using SetsByName = std::map<std::string, SetObjects>;

// Where a dump's set (a definition in dump.sets) has its elements.
SetObjects set_objects(const NftDump& dump, const nftnl_set* set);
nft::Set decode_set(const SetObjects& set, bool with_elements = true);
// Elements of a set whose key (and data) keys are known, e.g. an anonymous
// set from the keys of the lookup that uses it. In nft::sort_elements order.
std::vector<nft::Element> decode_elements(const SetObjects& set, const std::vector<nft::Key>& key,
                                          const std::vector<nft::Key>& data, bool verdict);
nft::Rule decode_rule(nft::TableFamily family, const nftnl_rule* rule, const SetsByName& sets);

// counter, log, limit, reject or flow add: the expressions that are a statement on
// their own. nullopt for anything else, or for settings gatewayd never writes.
std::optional<nft::Stmt> decode_plain_stmt(const nftnl_expr* expr);
std::optional<nft::VerdictKind> decode_verdict(int code);

// Keys of a set declaration: from nft's `typeof` userdata when present,
// else from the datatype ids. Empty when neither can be read.
std::vector<nft::Key> decode_set_keys(const nftnl_set* set, bool data, std::uint32_t* modulus = nullptr);

bool is_anonymous(const nftnl_set* set);

}  // namespace gw::kernel
