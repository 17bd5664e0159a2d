#include "daemon/kernel/rtnl/apply.hpp"

#include <net/if.h>

#include <cerrno>

#include "daemon/kernel/rtnl/codec.hpp"
#include "daemon/kernel/rtnl/ip6tnl.hpp"
#include "daemon/kernel/rtnl/rtnl.hpp"
#include "daemon/kernel/rtnl/sysctl.hpp"
#include "rules/netstate/owner.hpp"
#include "rules/netstate/undo.hpp"

namespace gw::kernel {
namespace {

using netstate::NetOp;
using netstate::OpKind;

// 0 when the link does not exist (yet).
int ifindex_of(const std::string& name) {
    return name.empty() ? 0 : static_cast<int>(if_nametoindex(name.c_str()));
}

Ack nodev(const std::string& name) {
    return {ENODEV, "link " + name + " does not exist", ErrorStage::system};
}

// Sends a message built by a libnl rtnl_*_build_*_request function.
Ack send_built(nl_sock* sock, int build_rc, nl_msg* raw) {
    NlMsgPtr msg(raw);
    if (build_rc < 0) return {errno_of_nl_error(build_rc), nl_geterror(build_rc), ErrorStage::encode};
    return send_request(sock, msg.get());
}

Ack create_link(nl_sock* sock, const netstate::Link& l) {
    RtnlLinkPtr link(rtnl_link_alloc());
    if (!link) return {ENOMEM, {}, ErrorStage::system};
    rtnl_link_set_name(link.get(), l.name.c_str());
    int rc = l.tunnel ? encode_ip6tnl(link.get(), *l.tunnel) : rtnl_link_set_type(link.get(), l.kind.c_str());
    if (rc < 0) return {errno_of_nl_error(rc), "link type " + l.kind + ": " + nl_geterror(rc), ErrorStage::encode};
    if (l.mtu) rtnl_link_set_mtu(link.get(), *l.mtu);
    if (l.master && !l.master->empty()) {
        int master = ifindex_of(*l.master);
        if (master == 0) return nodev(*l.master);
        rtnl_link_set_master(link.get(), master);
    }
    if (l.up) rtnl_link_set_flags(link.get(), IFF_UP);
    nl_msg* msg = nullptr;
    rc = rtnl_link_build_add_request(link.get(), NLM_F_CREATE | NLM_F_EXCL, &msg);
    return send_built(sock, rc, msg);
}

Ack change_link(nl_sock* sock, const netstate::Link& l, int ifindex) {
    RtnlLinkPtr orig(rtnl_link_alloc()), change(rtnl_link_alloc());
    if (!orig || !change) return {ENOMEM, {}, ErrorStage::system};
    rtnl_link_set_ifindex(orig.get(), ifindex);
    rtnl_link_set_name(orig.get(), l.name.c_str());
    if (l.mtu) rtnl_link_set_mtu(change.get(), *l.mtu);
    // A MAP-E tunnel's local address follows the prefix: changed in place.
    if (l.tunnel)
        if (int rc = encode_ip6tnl(change.get(), *l.tunnel); rc < 0)
            return {errno_of_nl_error(rc), "ip6tnl " + l.name + ": " + nl_geterror(rc), ErrorStage::encode};
    if (l.master) {
        int master = l.master->empty() ? 0 : ifindex_of(*l.master);
        if (!l.master->empty() && master == 0) return nodev(*l.master);
        rtnl_link_set_master(change.get(), master);
    }
    if (l.up)
        rtnl_link_set_flags(change.get(), IFF_UP);
    else
        rtnl_link_unset_flags(change.get(), IFF_UP);
    nl_msg* msg = nullptr;
    int rc = rtnl_link_build_change_request(orig.get(), change.get(), 0, &msg);
    // The alias marking a link as gatewayd's goes in by hand: libnl's change
    // request leaves IFLA_IFALIAS out.
    if (rc >= 0 && l.owned && nla_put_string(msg, IFLA_IFALIAS, std::string(netstate::kLinkAlias).c_str()) < 0)
        rc = -NLE_NOMEM;
    return send_built(sock, rc, msg);
}

// Deleting a bridge releases its ports.
Ack delete_link(nl_sock* sock, int ifindex) {
    RtnlLinkPtr link(rtnl_link_alloc());
    if (!link) return {ENOMEM, {}, ErrorStage::system};
    rtnl_link_set_ifindex(link.get(), ifindex);
    nl_msg* msg = nullptr;
    int rc = rtnl_link_build_delete_request(link.get(), &msg);
    return send_built(sock, rc, msg);
}

// Only links gatewayd created itself (`owned`, recognised by their alias)
// are ever removed; existing devices are kept up and otherwise left alone.
Ack apply_link(nl_sock* sock, const NetOp& op, const netstate::Link& l) {
    int ifindex = ifindex_of(l.name);
    if (op.kind == OpKind::remove) return l.owned && ifindex > 0 ? delete_link(sock, ifindex) : Ack{};
    if (ifindex > 0) return change_link(sock, l, ifindex);
    if (l.kind.empty()) return nodev(l.name);
    Ack created = create_link(sock, l);
    if (created.error || !l.owned) return created;
    // The kernel ignores an alias on RTM_NEWLINK that creates the link.
    return change_link(sock, l, ifindex_of(l.name));
}

Ack apply_address(nl_sock* sock, const NetOp& op, const netstate::Address& a) {
    int ifindex = ifindex_of(a.ifname);
    if (ifindex == 0) return nodev(a.ifname);
    RtnlAddrPtr addr = encode_ifaddr(a, ifindex);
    if (!addr) return {ENOMEM, {}, ErrorStage::system};
    nl_msg* msg = nullptr;
    int rc = op.kind == OpKind::remove
                 ? rtnl_addr_build_delete_request(addr.get(), 0, &msg)
                 : rtnl_addr_build_add_request(addr.get(), NLM_F_CREATE | NLM_F_EXCL, &msg);
    return send_built(sock, rc, msg);
}

Ack apply_route(nl_sock* sock, const NetOp& op, const netstate::Route& r) {
    int ifindex = ifindex_of(r.ifname);
    if (!r.ifname.empty() && ifindex == 0) return nodev(r.ifname);
    RtnlRoutePtr route = encode_route(r, ifindex);
    if (!route) return {ENOMEM, {}, ErrorStage::system};
    nl_msg* msg = nullptr;
    int rc = 0;
    switch (op.kind) {
    case OpKind::add: rc = rtnl_route_build_add_request(route.get(), NLM_F_CREATE | NLM_F_EXCL, &msg); break;
    case OpKind::change: rc = rtnl_route_build_add_request(route.get(), NLM_F_CREATE | NLM_F_REPLACE, &msg); break;
    case OpKind::remove: rc = rtnl_route_build_del_request(route.get(), 0, &msg); break;
    }
    return send_built(sock, rc, msg);
}

// NLM_F_EXCL matters: without it the kernel happily adds a duplicate rule.
Ack apply_rule(nl_sock* sock, const NetOp& op, const netstate::Rule& r) {
    RtnlRulePtr rule = encode_rule(r);
    if (!rule) return {EINVAL, "rule cannot be encoded", ErrorStage::encode};
    nl_msg* msg = nullptr;
    int rc = op.kind == OpKind::remove ? rtnl_rule_build_delete_request(rule.get(), 0, &msg)
                                       : rtnl_rule_build_add_request(rule.get(), NLM_F_EXCL, &msg);
    // The kernel matches a delete on suppress_prefixlength too, so both carry it.
    if (rc >= 0) rc = encode_rule_extras(msg, r);
    return send_built(sock, rc, msg);
}

Ack apply_sysctl(const NetOp& op, const netstate::Sysctl& s) {
    if (op.kind == OpKind::remove) return {};
    return {write_sysctl(s.path, s.value), "/proc/sys/" + s.path, ErrorStage::system};
}

Ack apply_one(nl_sock* sock, const NetOp& op) {
    return std::visit(
        [&](const auto& o) -> Ack {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, netstate::Link>) return apply_link(sock, op, o);
            if constexpr (std::is_same_v<T, netstate::Address>) return apply_address(sock, op, o);
            if constexpr (std::is_same_v<T, netstate::Route>) return apply_route(sock, op, o);
            if constexpr (std::is_same_v<T, netstate::Rule>) return apply_rule(sock, op, o);
            if constexpr (std::is_same_v<T, netstate::Sysctl>) return apply_sysctl(op, o);
        },
        op.object);
}

// A fatal error half-way: what was already changed is put back, newest
// first, so a failed apply leaves links, addresses, routes, rules and
// sysctls as they were (the nft half is one atomic batch already). Only
// requests that really changed something are undone: an EEXIST "success"
// touched nothing. An undo that fails is reported with the error.
void undo_changes(nl_sock* sock, const std::vector<NetOp>& changed, KernelError& failure) {
    std::size_t undone = 0;
    for (const auto& op : netstate::undo_ops(changed)) {
        Ack ack = apply_one(sock, op);
        if (classify_netstate_error(op, ack.error) == Outcome::done) {
            ++undone;
            continue;
        }
        auto e = make_op_error(op, ack.stage, ack.error, ack.message);
        e.operation = "undo " + e.operation;
        failure.more.push_back(std::move(e));
    }
    if (changed.empty()) return;
    if (!failure.message.empty()) failure.message += "; ";
    failure.message += std::to_string(undone) + " of " + std::to_string(changed.size()) +
                       " earlier netlink changes undone";
}

}  // namespace

ApplyResult apply_netstate_ops(const std::vector<NetOp>& ops, OnTransient on_transient) {
    ApplyReport report;
    if (ops.empty()) return report;
    auto sock = open_rtnl_socket("apply");
    if (!sock) return std::unexpected(sock.error());
    std::vector<NetOp> changed;  // what the kernel really changed, for undo_changes
    for (const auto& op : ops) {
        Ack ack = apply_one(sock->get(), op);
        switch (classify_netstate_error(op, ack.error)) {
        case Outcome::done:
            ++report.applied;
            if (ack.error == 0) changed.push_back(op);
            break;
        case Outcome::transient:
            if (on_transient == OnTransient::keep_and_retry) {
                report.transient.push_back(make_op_error(op, ack.stage, ack.error, ack.message));
                break;
            }
            [[fallthrough]];
        case Outcome::fatal: {
            auto failure = make_op_error(op, ack.stage, ack.error, ack.message);
            failure.kind = ErrorClass::fatal;  // in direct mode nothing would retry it
            undo_changes(sock->get(), changed, failure);
            return std::unexpected(std::move(failure));
        }
        }
    }
    return report;
}

}  // namespace gw::kernel
