// NftNetlink: gatewayd's tables in the kernel. Replacing a table is `add
// table` (so the delete that follows cannot fail on a table that vanished
// meanwhile), `delete table`, then the whole new table: one transaction per
// apply, covering both owned tables, so the kernel never holds a half-built
// firewall. The new tables' operations are those prepare() encoded when it
// put the ruleset in the kernel's form, when there are some; they are
// serialised here, only for a transaction that sends them.
#include <algorithm>

#include "daemon/kernel/nft/batch.hpp"
#include "daemon/kernel/nft/netlink.hpp"
#include "daemon/kernel/nft/observe.hpp"

namespace gw::kernel {

namespace {

// prepare()'s encoding: the tables' operations, as the kernel form was
// decoded from them.
struct NftEncoding final : plan::Encoded {
    std::vector<NftOp> ops;
};

constexpr nft::TableFamily kOwnedFamilies[] = {nft::TableFamily::inet, nft::TableFamily::bridge};

KernelError from_encode(const EncodeError& e) {
    return encode_error(e.what, e.message, e.origin);
}

std::expected<void, KernelError> check_owned(nft::TableFamily family, const std::string& name) {
    if (is_owned_table(family, name)) return {};
    return std::unexpected(encode_error("write table " + family_name(family) + " " + name,
                                        "gatewayd writes only table inet " + std::string(nft::kTableName) +
                                            " and table bridge " + nft::kTableName));
}

const nft::Table* find_table(const nft::Ruleset& rs, nft::TableFamily family) {
    for (const auto& t : rs.tables)
        if (t.family == family) return &t;
    return nullptr;
}

}  // namespace

bool is_owned_table(nft::TableFamily family, const std::string& name) {
    return name == nft::kTableName &&
           (family == nft::TableFamily::inet || family == nft::TableFamily::bridge);
}

std::expected<std::unique_ptr<NftNetlink>, KernelError> NftNetlink::open() {
    auto sock = NftSocket::open();
    if (!sock) return std::unexpected(sock.error());
    return std::unique_ptr<NftNetlink>(new NftNetlink(std::move(*sock)));
}

std::expected<nft::Ruleset, KernelError> NftNetlink::observe(std::uint32_t* generation,
                                                             std::shared_ptr<const ObservedElements>* deferred) {
    auto dump = observe_owned_tables(sock_);
    if (!dump) return std::unexpected(dump.error());
    if (generation) *generation = dump->generation;
    if (!deferred) return decode_ruleset(*dump);
    for (const auto& s : dump->sets)
        if (!is_anonymous(s.get())) dump->elements_left_out.insert(s.get());
    auto rs = decode_ruleset(*dump);
    *deferred = std::make_shared<const ObservedElements>(ObservedElements{std::move(*dump)});
    return rs;
}

std::expected<std::uint32_t, KernelError> NftNetlink::generation() {
    return ruleset_generation(sock_);
}

namespace {

std::expected<void, KernelError> check_tables(const nft::Ruleset& desired) {
    for (const auto& t : desired.tables) {
        if (auto ok = check_owned(t.family, t.name); !ok) return ok;
        if (std::count_if(desired.tables.begin(), desired.tables.end(),
                          [&](const nft::Table& o) { return o.family == t.family; }) > 1)
            return std::unexpected(encode_error("write table " + family_name(t.family) + " " + t.name,
                                                "the table appears twice in the ruleset"));
    }
    return {};
}

Prepared prepared(nft::Ruleset kernel_form, std::vector<NftOp> ops) {
    auto encoding = std::make_shared<NftEncoding>();
    encoding->ops = std::move(ops);
    return Prepared{std::move(kernel_form), std::move(encoding)};
}

}  // namespace

std::expected<Prepared, KernelError> NftNetlink::prepare(nft::Ruleset desired, KernelForm form) {
    if (auto ok = check_tables(desired); !ok) return std::unexpected(ok.error());
    auto ops = encode_ruleset(desired);
    if (!ops) return std::unexpected(ops.error());
    auto kernel_form = form == KernelForm::decoded ? decode_encoded(*ops) : std::move(desired);
    return prepared(std::move(kernel_form), std::move(*ops));
}

std::expected<Prepared, KernelError> NftNetlink::prepare_against(nft::Ruleset desired, nft::Ruleset& observed,
                                                                 const ObservedElements* deferred) {
    if (!deferred) return prepare(std::move(desired), KernelForm::decoded);
    // Nothing owned in the kernel: nothing to compare with, nothing to decode.
    if (observed.tables.empty()) return prepare(std::move(desired), KernelForm::as_compiled);
    if (auto ok = check_tables(desired); !ok) return std::unexpected(ok.error());
    auto ops = encode_ruleset(desired);
    if (!ops) return std::unexpected(ops.error());
    auto against = kernel_form_against(std::move(desired), *ops, observed, deferred->dump);
    auto out = prepared(std::move(against.form), std::move(*ops));
    out.same_elements = std::move(against.same_elements);
    return out;
}

std::expected<void, KernelError> NftNetlink::replace(const nft::Ruleset& desired, const plan::Encoded* encoded,
                                                     ApplyMode mode) {
    if (auto ok = check_tables(desired); !ok) return ok;
    const auto* prepared = dynamic_cast<const NftEncoding*>(encoded);
    // A family gatewayd neither has nor wants is left out entirely, so a
    // kernel without bridge-family nftables can still run an inet-only config.
    auto existing = existing_owned_tables(sock_);
    if (!existing) return std::unexpected(existing.error());
    std::vector<NftOp> ops;
    SetIds ids;
    for (auto family : kOwnedFamilies) {
        const auto* table = find_table(desired, family);
        bool exists = std::find(existing->begin(), existing->end(), family) != existing->end();
        if (!table && !exists) continue;
        ops.push_back(encode_table_shell(family, nft::kTableName, OpKind::add_table));
        ops.push_back(encode_table_shell(family, nft::kTableName, OpKind::delete_table));
        if (!table || prepared) continue;
        auto table_ops = encode_table(*table, ids);
        if (!table_ops) return std::unexpected(from_encode(table_ops.error()));
        for (auto& op : *table_ops) ops.push_back(std::move(op));
    }
    return run_transaction(sock_, ops, mode, prepared ? &prepared->ops : nullptr);
}

std::expected<void, KernelError> NftNetlink::replace_elements(const std::vector<plan::ElementUpdate>& updates,
                                                              ApplyMode mode) {
    std::vector<NftOp> ops;
    for (const auto& u : updates) {
        if (auto ok = check_owned(u.family, u.table); !ok) return ok;
        auto set_ops = encode_element_update(u.family, u.table, u.set);
        if (!set_ops) return std::unexpected(from_encode(set_ops.error()));
        for (auto& op : *set_ops) ops.push_back(std::move(op));
    }
    if (ops.empty()) return {};
    return run_transaction(sock_, ops, mode);
}

}  // namespace gw::kernel
