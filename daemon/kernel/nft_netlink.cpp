// NftNetlink: the real NftBackend. Replacing a table is `add table` (so the
// delete that follows cannot fail on a table that vanished meanwhile),
// `delete table`, then the whole new table: one transaction per apply,
// covering both owned tables, so the kernel never holds a half-built
// firewall.
#include <algorithm>

#include "daemon/kernel/nft_backend.hpp"
#include "daemon/kernel/nft_observe.hpp"

namespace gw::kernel {

namespace {

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

std::expected<nft::Ruleset, KernelError> NftNetlink::observe() {
    auto dump = observe_owned_tables(sock_);
    if (!dump) return std::unexpected(dump.error());
    return decode_ruleset(*dump);
}

std::expected<void, KernelError> NftNetlink::apply(const nft::Ruleset& desired, ApplyMode mode) {
    for (const auto& t : desired.tables) {
        if (auto ok = check_owned(t.family, t.name); !ok) return ok;
        if (std::count_if(desired.tables.begin(), desired.tables.end(),
                          [&](const nft::Table& o) { return o.family == t.family; }) > 1)
            return std::unexpected(encode_error("write table " + family_name(t.family) + " " + t.name,
                                                "the table appears twice in the ruleset"));
    }
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
        if (!table) continue;
        auto table_ops = encode_table(*table, ids);
        if (!table_ops) return std::unexpected(from_encode(table_ops.error()));
        for (auto& op : *table_ops) ops.push_back(std::move(op));
    }
    return run_transaction(sock_, ops, mode);
}

std::expected<void, KernelError> NftNetlink::replace_elements(const std::vector<ElementUpdate>& updates,
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
