#include "tests/fake/fake_nft.hpp"

#include "daemon/kernel/nft/netlink.hpp"

#include <cerrno>

namespace gw::test {
namespace {

nft::Set* find_set(nft::Ruleset& rs, const plan::ElementUpdate& u) {
    for (auto& t : rs.tables)
        if (t.family == u.family && t.name == u.table)
            for (auto& s : t.sets)
                if (s.name == u.set.name) return &s;
    return nullptr;
}

// The elements as the kernel would hold them, via the same encode/decode
// round trip as a whole ruleset.
std::expected<std::vector<nft::Element>, kernel::KernelError> canonical_elements(
    const plan::ElementUpdate& u) {
    nft::Ruleset one;
    one.tables.push_back(nft::Table{u.family, u.table, {u.set}, {}});
    auto rs = kernel::as_kernel_holds(one);
    if (!rs) return std::unexpected(rs.error());
    return rs->tables.at(0).sets.at(0).elements;
}

}  // namespace

void FakeNft::fail_next(int err, std::string ext_ack) {
    failure_ = std::make_pair(err, std::move(ext_ack));
}

std::optional<kernel::KernelError> FakeNft::take_failure(kernel::ApplyMode mode,
                                                                const std::string& what) {
    if (!failure_ || mode != kernel::ApplyMode::commit) return std::nullopt;
    auto [err, ack] = *failure_;
    failure_.reset();
    return kernel::kernel_rejection(what, err, ack, {});
}

std::expected<void, kernel::KernelError> FakeNft::apply(const nft::Ruleset& desired,
                                                               kernel::ApplyMode mode) {
    for (const auto& t : desired.tables)
        if (!kernel::is_owned_table(t.family, t.name))
            return std::unexpected(kernel::encode_error("write table " + t.name, "not gatewayd's table"));
    auto canonical = kernel::as_kernel_holds(desired);
    if (!canonical) return std::unexpected(canonical.error());
    if (auto f = take_failure(mode, "add table inet gatewayd")) return std::unexpected(*f);
    if (mode == kernel::ApplyMode::check) {
        ++checks_;
        return {};
    }
    tables_ = std::move(*canonical);
    ++applies_;
    ++generation_;
    return {};
}

std::expected<void, kernel::KernelError> FakeNft::replace_elements(
    const std::vector<plan::ElementUpdate>& updates, kernel::ApplyMode mode) {
    nft::Ruleset next = tables_;
    for (const auto& u : updates) {
        auto* set = find_set(next, u);
        if (!set)
            return std::unexpected(kernel::kernel_rejection("add element inet gatewayd " + u.set.name, ENOENT,
                                                            {}, u.set.origin));
        auto elements = canonical_elements(u);
        if (!elements) return std::unexpected(elements.error());
        set->elements = std::move(*elements);
    }
    if (auto f = take_failure(mode, "add element")) return std::unexpected(*f);
    if (mode == kernel::ApplyMode::check) {
        ++checks_;
        return {};
    }
    tables_ = std::move(next);
    ++element_updates_;
    ++generation_;
    return {};
}

}  // namespace gw::test
