#include "daemon/kernel/nft/observe.hpp"

#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <cerrno>
#include <new>

#include "daemon/kernel/nft/netlink.hpp"
#include "daemon/kernel/nft/encode.hpp"

namespace gw::kernel {

namespace {

constexpr int kAttempts = 5;  // snapshots torn by concurrent changes are retried
constexpr nft::TableFamily kOwnedFamilies[] = {nft::TableFamily::inet, nft::TableFamily::bridge};

class Dumper {
public:
    explicit Dumper(NftSocket& sock) : sock_(sock) {}

    std::expected<std::uint32_t, KernelError> generation() {
        auto* nlh = header(NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK);
        std::uint32_t gen = 0;
        auto r = sock_.dump(nlh, [&](const nlmsghdr* reply) {
            NftGenPtr g(nftnl_gen_alloc());
            if (!g) throw std::bad_alloc();
            if (nftnl_gen_nlmsg_parse(reply, g.get()) < 0) return false;
            gen = nftnl_gen_get_u32(g.get(), NFTNL_GEN_ID);
            return true;
        });
        if (!r) return std::unexpected(r.error());
        return gen;
    }

    // The owned tables of one family that exist.
    std::expected<void, KernelError> tables(std::uint16_t family, NftDump& out) {
        auto* nlh = header(NFT_MSG_GETTABLE, family, NLM_F_DUMP);
        return collect(nlh, [&](const nlmsghdr* reply) {
            NftTablePtr t(nftnl_table_alloc());
            if (!t) throw std::bad_alloc();
            if (nftnl_table_nlmsg_parse(reply, t.get()) < 0) return false;
            auto fam = static_cast<std::uint16_t>(nftnl_table_get_u32(t.get(), NFTNL_TABLE_FAMILY));
            if (fam == family && std::string(nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME)) == nft::kTableName)
                out.tables.push_back(std::move(t));
            return true;
        });
    }

    std::expected<void, KernelError> contents(std::uint16_t family, const char* table, NftDump& out) {
        if (auto r = chains(family, table, out); !r) return r;
        if (auto r = sets(family, table, out); !r) return r;
        if (auto r = flowtables(family, table, out); !r) return r;
        return rules(family, table, out);
    }

private:
    nlmsghdr* header(int type, std::uint16_t family, std::uint16_t flags) {
        return nftnl_nlmsg_build_hdr(buf_, static_cast<std::uint16_t>(type), family, flags, sock_.next_seq());
    }

    std::expected<void, KernelError> collect(const nlmsghdr* nlh,
                                             const std::function<bool(const nlmsghdr*)>& fn) {
        return sock_.dump(nlh, fn);
    }

    std::expected<void, KernelError> chains(std::uint16_t family, const char* table, NftDump& out) {
        auto* nlh = header(NFT_MSG_GETCHAIN, family, NLM_F_DUMP);
        return collect(nlh, [&](const nlmsghdr* reply) {
            NftChainPtr c(nftnl_chain_alloc());
            if (!c) throw std::bad_alloc();
            if (nftnl_chain_nlmsg_parse(reply, c.get()) < 0) return false;
            if (std::string(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE)) == table) out.chains.push_back(std::move(c));
            return true;
        });
    }

    std::expected<void, KernelError> sets(std::uint16_t family, const char* table, NftDump& out) {
        NftSetPtr filter(nftnl_set_alloc());
        if (!filter) throw std::bad_alloc();
        nftnl_set_set_str(filter.get(), NFTNL_SET_TABLE, table);
        auto* nlh = header(NFT_MSG_GETSET, family, NLM_F_DUMP);
        nftnl_set_nlmsg_build_payload(nlh, filter.get());
        std::vector<NftSetPtr> found;
        auto r = collect(nlh, [&](const nlmsghdr* reply) {
            NftSetPtr s(nftnl_set_alloc());
            if (!s) throw std::bad_alloc();
            if (nftnl_set_nlmsg_parse(reply, s.get()) < 0) return false;
            if (std::string(nftnl_set_get_str(s.get(), NFTNL_SET_TABLE)) == table) found.push_back(std::move(s));
            return true;
        });
        if (!r) return r;
        for (auto& s : found) {
            if (auto e = elements(family, s.get(), out.dumped_elements[s.get()]); !e) return e;
            out.sets.push_back(std::move(s));
        }
        return {};
    }

    // Read as bytes (set_elements.hpp), not into libnftnl element objects.
    std::expected<void, KernelError> elements(std::uint16_t family, nftnl_set* set, DumpedElements& out) {
        auto* nlh = header(NFT_MSG_GETSETELEM, family, NLM_F_DUMP);
        nftnl_set_elems_nlmsg_build_payload(nlh, set);
        return collect(nlh, [&](const nlmsghdr* reply) { return read_elements_message(reply, out); });
    }

    // The dump works on kernels without nf_flow_table too: it lists none.
    std::expected<void, KernelError> flowtables(std::uint16_t family, const char* table, NftDump& out) {
        auto* nlh = header(NFT_MSG_GETFLOWTABLE, family, NLM_F_DUMP);
        return collect(nlh, [&](const nlmsghdr* reply) {
            NftFlowtablePtr f(nftnl_flowtable_alloc());
            if (!f) throw std::bad_alloc();
            if (nftnl_flowtable_nlmsg_parse(reply, f.get()) < 0) return false;
            if (std::string(nftnl_flowtable_get_str(f.get(), NFTNL_FLOWTABLE_TABLE)) == table)
                out.flowtables.push_back(std::move(f));
            return true;
        });
    }

    std::expected<void, KernelError> rules(std::uint16_t family, const char* table, NftDump& out) {
        NftRulePtr filter(nftnl_rule_alloc());
        if (!filter) throw std::bad_alloc();
        nftnl_rule_set_str(filter.get(), NFTNL_RULE_TABLE, table);
        auto* nlh = header(NFT_MSG_GETRULE, family, NLM_F_DUMP);
        nftnl_rule_nlmsg_build_payload(nlh, filter.get());
        return collect(nlh, [&](const nlmsghdr* reply) {
            NftRulePtr r(nftnl_rule_alloc());
            if (!r) throw std::bad_alloc();
            if (nftnl_rule_nlmsg_parse(reply, r.get()) < 0) return false;
            if (std::string(nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE)) == table) out.rules.push_back(std::move(r));
            return true;
        });
    }

    NftSocket& sock_;
    char buf_[8192] = {};  // requests are a header and a name or two
};

std::expected<NftDump, KernelError> snapshot(Dumper& d) {
    NftDump dump;
    for (auto family : kOwnedFamilies) {
        auto fam = nfproto_of(family);
        std::size_t before = dump.tables.size();
        if (auto r = d.tables(fam, dump); !r) return std::unexpected(r.error());
        if (dump.tables.size() == before) continue;
        if (auto r = d.contents(fam, nft::kTableName, dump); !r) return std::unexpected(r.error());
    }
    return dump;
}

}  // namespace

std::expected<std::vector<nft::TableFamily>, KernelError> existing_owned_tables(NftSocket& sock) {
    Dumper d(sock);
    std::vector<nft::TableFamily> out;
    for (auto family : kOwnedFamilies) {
        NftDump dump;
        if (auto r = d.tables(nfproto_of(family), dump); !r) return std::unexpected(r.error());
        if (!dump.tables.empty()) out.push_back(family);
    }
    return out;
}

std::expected<std::uint32_t, KernelError> ruleset_generation(NftSocket& sock) {
    return Dumper(sock).generation();
}

std::expected<NftDump, KernelError> observe_owned_tables(NftSocket& sock) {
    Dumper d(sock);
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        auto before = d.generation();
        if (!before) return std::unexpected(before.error());
        auto dump = snapshot(d);
        // EINTR: the kernel flagged the dump as interrupted; ENOENT: a table
        // or set went away between two requests. Either way, take it again.
        if (!dump && dump.error().error != EINTR && dump.error().error != ENOENT) return dump;
        auto after = d.generation();
        if (!after) return std::unexpected(after.error());
        if (dump && *before == *after) {
            dump->generation = *before;
            return dump;
        }
    }
    return std::unexpected(system_error("dump gatewayd's nftables tables", EAGAIN,
                                        "the ruleset kept changing during the dump"));
}

}  // namespace gw::kernel
