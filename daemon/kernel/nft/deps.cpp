#include "daemon/kernel/nft/deps.hpp"

#include <optional>

#include "rules/nft/keys.hpp"

namespace gw::kernel {

namespace {

using nft::Key;

constexpr std::uint32_t kEthIp = 0x0800;
constexpr std::uint32_t kEthIp6 = 0x86dd;

// What the rule has established about the packet so far.
struct Context {
    std::optional<std::uint32_t> network;    // NFPROTO_IPV4 / NFPROTO_IPV6
    std::optional<std::uint64_t> transport;  // IPPROTO_*
};

struct Need {
    std::optional<std::uint32_t> network;
    std::optional<std::uint64_t> transport;
    std::optional<std::uint32_t> parent;  // network the transport protocol lives in
};

Need need_of(Key key) {
    switch (key) {
    case Key::ip_saddr:
    case Key::ip_daddr: return {nft::kNfprotoIpv4, {}, {}};
    case Key::ip6_saddr:
    case Key::ip6_daddr: return {nft::kNfprotoIpv6, {}, {}};
    case Key::icmp_type: return {{}, nft::kProtoIcmp, nft::kNfprotoIpv4};
    case Key::icmpv6_type: return {{}, nft::kProtoIcmpv6, nft::kNfprotoIpv6};
    case Key::tcp_flags: return {{}, nft::kProtoTcp, {}};
    default: return {};
    }
}

std::vector<Key> keys_of(const nft::Stmt& stmt) {
    if (const auto* c = std::get_if<nft::Cmp>(&stmt)) return {c->key};
    if (const auto* b = std::get_if<nft::AnyBits>(&stmt)) return {b->key};
    if (const auto* m = std::get_if<nft::MaskedCmp>(&stmt)) return {m->key};
    if (const auto* l = std::get_if<nft::Lookup>(&stmt)) return l->keys;
    if (const auto* n = std::get_if<nft::Nat>(&stmt)) return n->map_keys;
    if (const auto* s = std::get_if<nft::SetMeta>(&stmt); s && s->from) return {*s->from};
    return {};
}

std::uint32_t ethertype(std::uint32_t nfproto) {
    return nfproto == nft::kNfprotoIpv4 ? kEthIp : kEthIp6;
}

std::string proto_name(std::uint64_t v) {
    if (auto s = nft::value_symbol(Key::meta_l4proto, v)) return std::string(*s);
    return std::to_string(v);
}

class Planner {
public:
    explicit Planner(nft::TableFamily family) : family_(family) {
        if (family == nft::TableFamily::ip) ctx_.network = nft::kNfprotoIpv4;
        if (family == nft::TableFamily::ip6) ctx_.network = nft::kNfprotoIpv6;
    }

    std::expected<std::vector<Item>, std::string> run(const std::vector<nft::Stmt>& stmts) {
        for (const auto& stmt : stmts) {
            for (auto key : keys_of(stmt))
                if (auto err = require(need_of(key)); !err.empty()) return std::unexpected(err);
            if (auto err = check_reject(stmt); !err.empty()) return std::unexpected(err);
            learn(stmt);
            out_.emplace_back(stmt);
        }
        if (reject_needs_tcp_) out_.insert(out_.begin(), Dep{DepKind::l4proto, 6});
        return std::move(out_);
    }

private:
    // Returns an error message, empty when the need is (now) satisfied.
    std::string require(const Need& need) {
        if (need.network) {
            if (auto err = need_network(*need.network, false); !err.empty()) return err;
        }
        if (!need.transport) return {};
        if (ctx_.transport == need.transport) return {};
        if (ctx_.transport)
            return "conflicting protocols: " + proto_name(*ctx_.transport) + " and " +
                   proto_name(*need.transport);
        if (need.parent) {
            if (auto err = need_network(*need.parent, true); !err.empty()) return err;
        }
        out_.emplace_back(Dep{DepKind::l4proto, static_cast<std::uint32_t>(*need.transport)});
        ctx_.transport = need.transport;
        return {};
    }

    // nft spells a network dependency `meta protocol` in the bridge family,
    // but `ether type` when it only leads up to a transport protocol.
    std::string need_network(std::uint32_t nfproto, bool for_transport) {
        if (ctx_.network == nfproto) return {};
        if (ctx_.network) return "conflicting protocols: ipv4 and ipv6 in one rule";
        if (family_ == nft::TableFamily::bridge) {
            auto kind = for_transport ? DepKind::ether_type : DepKind::meta_protocol;
            out_.emplace_back(Dep{kind, ethertype(nfproto)});
        } else {
            out_.emplace_back(Dep{DepKind::nfproto, nfproto});
        }
        ctx_.network = nfproto;
        return {};
    }

    std::string check_reject(const nft::Stmt& stmt) {
        const auto* r = std::get_if<nft::Reject>(&stmt);
        if (!r || r->kind != nft::RejectKind::tcp_reset) return {};
        if (ctx_.transport == nft::kProtoTcp) return {};
        if (ctx_.transport)
            return "reject with tcp reset after matching " + proto_name(*ctx_.transport);
        reject_needs_tcp_ = true;
        return {};
    }

    void learn(const nft::Stmt& stmt) {
        const auto* c = std::get_if<nft::Cmp>(&stmt);
        if (!c || c->negate) return;
        const auto* v = std::get_if<std::uint64_t>(&c->value);
        if (!v) return;
        if (c->key == Key::meta_l4proto) ctx_.transport = *v;
        bool inet = family_ == nft::TableFamily::inet;
        if (c->key == Key::meta_nfproto && inet) ctx_.network = static_cast<std::uint32_t>(*v);
        if (c->key == Key::ether_type && family_ == nft::TableFamily::bridge) {
            if (*v == kEthIp) ctx_.network = nft::kNfprotoIpv4;
            if (*v == kEthIp6) ctx_.network = nft::kNfprotoIpv6;
        }
    }

    nft::TableFamily family_;
    Context ctx_;
    std::vector<Item> out_;
    bool reject_needs_tcp_ = false;
};

}  // namespace

std::expected<std::vector<Item>, std::string> plan_rule(nft::TableFamily family,
                                                        const std::vector<nft::Stmt>& stmts) {
    return Planner(family).run(stmts);
}

std::optional<nft::Stmt> dep_as_stmt(const Dep& dep) {
    switch (dep.kind) {
    case DepKind::nfproto: return nft::Cmp{Key::meta_nfproto, std::uint64_t{dep.value}, false};
    case DepKind::l4proto: return nft::Cmp{Key::meta_l4proto, std::uint64_t{dep.value}, false};
    case DepKind::ether_type: return nft::Cmp{Key::ether_type, std::uint64_t{dep.value}, false};
    case DepKind::meta_protocol: return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace gw::kernel
