#include "tests/fake/fake_net.hpp"

#include <algorithm>
#include <cerrno>

#include "rules/netstate/owner.hpp"

namespace gw::test {

using namespace gw::kernel;
namespace {

using netstate::NetOp;
using netstate::OpKind;

// "net/ipv4/conf/<link>/rp_filter" -> "<link>"; "" for global paths.
std::string sysctl_link(const std::string& path) {
    for (const char* prefix : {"net/ipv4/conf/", "net/ipv6/conf/"}) {
        std::string_view p(prefix);
        if (path.rfind(p, 0) != 0) continue;
        std::string rest = path.substr(p.size());
        std::string name = rest.substr(0, rest.find('/'));
        return name == "all" || name == "default" ? std::string() : name;
    }
    return {};
}

template <class T, class Pred>
void erase_if(std::vector<T>& v, Pred p) {
    v.erase(std::remove_if(v.begin(), v.end(), p), v.end());
}

template <class T>
typename std::vector<T>::iterator find_key(std::vector<T>& v, const T& x) {
    return std::find_if(v.begin(), v.end(), [&](const T& y) { return key_of(y) == key_of(x); });
}

}  // namespace

void FakeNet::add_device(const std::string& name, std::uint32_t mtu) {
    if (has_link(name)) return;
    kernel_.links.push_back({.name = name, .kind = "", .master = "", .mtu = mtu, .up = false});
    net::Prefix ll = *net::Prefix::parse("fe80::/64");
    ll.address.bytes[15] = static_cast<std::uint8_t>(next_link_id_++);
    kernel_.addresses.push_back({.ifname = name, .prefix = ll, .loc = {}});
}

void FakeNet::remove_link(std::string_view name) {
    erase_if(kernel_.links, [&](const netstate::Link& l) { return l.name == name; });
    erase_if(kernel_.addresses, [&](const netstate::Address& a) { return a.ifname == name; });
    erase_if(kernel_.routes, [&](const netstate::Route& r) { return r.ifname == name; });
    erase_if(kernel_.sysctls, [&](const netstate::Sysctl& s) { return sysctl_link(s.path) == name; });
    for (auto& l : kernel_.links)
        if (l.master == name) l.master = "";
}

void FakeNet::fail_matching(std::string text, int err) {
    failures_.push_back({std::move(text), err});
}

bool FakeNet::sysctl_exists(const std::string& path) const {
    std::string link = sysctl_link(path);
    return link.empty() || has_link(link);
}

netstate::NetState FakeNet::observe(const std::vector<std::string>& sysctls) const {
    netstate::NetState view = kernel_;
    view.sysctls.clear();
    // Like /proc/sys: every setting of an existing link reads as something.
    for (const auto& path : sysctls) {
        auto it = std::find_if(kernel_.sysctls.begin(), kernel_.sysctls.end(),
                               [&](const netstate::Sysctl& v) { return v.path == path; });
        if (it != kernel_.sysctls.end()) view.sysctls.push_back(*it);
        else if (sysctl_exists(path)) view.sysctls.push_back({path, "0", {}});
    }
    return view;
}

AddressMap FakeNet::addresses() const {
    AddressMap out;
    for (const auto& l : kernel_.links) out[l.name];
    for (const auto& a : kernel_.addresses)
        if (out.contains(a.ifname) && !netstate::is_ipv6_link_local(a.prefix))
            out[a.ifname].push_back(a.prefix.address);
    return out;
}

ApplyResult FakeNet::apply(const std::vector<NetOp>& ops) {
    ApplyReport report;
    for (const auto& op : ops) {
        ++requests_;
        int err = execute(op);
        switch (classify_netstate_error(op, err)) {
        case Outcome::done: ++report.applied; break;
        case Outcome::transient:
            report.transient.push_back(make_op_error(op, ErrorStage::kernel, err, {}));
            break;
        case Outcome::fatal: return std::unexpected(make_op_error(op, ErrorStage::kernel, err, {}));
        }
    }
    return report;
}

int FakeNet::execute(const NetOp& op) {
    std::string line = netstate::render_object(op.object);
    for (const auto& f : failures_)
        if (line.find(f.text) != std::string::npos) return f.err;
    return std::visit(
        [&](const auto& o) -> int {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, netstate::Link>) return apply_link(op, o);
            if constexpr (std::is_same_v<T, netstate::Address>) return apply_address(op, o);
            if constexpr (std::is_same_v<T, netstate::Route>) return apply_route(op, o);
            if constexpr (std::is_same_v<T, netstate::Rule>) return apply_rule(op, o);
            if constexpr (std::is_same_v<T, netstate::Sysctl>) return apply_sysctl(o);
        },
        op.object);
}

int FakeNet::apply_link(const NetOp& op, const netstate::Link& l) {
    if (op.kind == OpKind::remove) {
        if (l.owned) remove_link(l.name);
        return 0;
    }
    if (l.master && !l.master->empty() && !has_link(*l.master)) return ENODEV;
    auto it = std::find_if(kernel_.links.begin(), kernel_.links.end(),
                           [&](const netstate::Link& k) { return k.name == l.name; });
    if (it == kernel_.links.end()) {
        if (l.kind.empty()) return ENODEV;
        kernel_.links.push_back({.name = l.name, .kind = l.kind, .master = l.master.value_or(""),
                                 .mtu = l.mtu.value_or(1500), .up = l.up, .owned = l.owned});
        return 0;
    }
    if (l.mtu) it->mtu = l.mtu;
    if (l.master) it->master = l.master;
    if (l.owned) it->owned = true;
    it->up = l.up;
    return 0;
}

int FakeNet::apply_address(const NetOp& op, const netstate::Address& a) {
    if (!has_link(a.ifname)) return ENODEV;
    auto it = find_key(kernel_.addresses, a);
    if (op.kind == OpKind::remove) {
        if (it == kernel_.addresses.end()) return EADDRNOTAVAIL;
        kernel_.addresses.erase(it);
        return 0;
    }
    if (it != kernel_.addresses.end()) return EEXIST;
    kernel_.addresses.push_back({a.ifname, a.prefix, {}});
    return 0;
}

int FakeNet::apply_route(const NetOp& op, const netstate::Route& r) {
    if (!r.ifname.empty() && !has_link(r.ifname) && op.kind != OpKind::remove) return ENODEV;
    auto it = find_key(kernel_.routes, r);
    netstate::Route stored = r;
    stored.loc = {};
    switch (op.kind) {
    case OpKind::add:
        if (it != kernel_.routes.end()) return EEXIST;
        kernel_.routes.push_back(stored);
        return 0;
    case OpKind::change:
        if (it != kernel_.routes.end()) *it = stored; else kernel_.routes.push_back(stored);
        return 0;
    case OpKind::remove:
        if (it == kernel_.routes.end() || it->protocol != r.protocol) return ESRCH;
        kernel_.routes.erase(it);
        return 0;
    }
    return 0;
}

int FakeNet::apply_rule(const NetOp& op, const netstate::Rule& r) {
    auto it = find_key(kernel_.rules, r);
    if (op.kind == OpKind::remove) {
        if (it == kernel_.rules.end()) return ENOENT;
        kernel_.rules.erase(it);
        return 0;
    }
    if (it != kernel_.rules.end()) return EEXIST;
    netstate::Rule stored = r;
    stored.loc = {};
    kernel_.rules.push_back(stored);
    return 0;
}

int FakeNet::apply_sysctl(const netstate::Sysctl& s) {
    if (!sysctl_exists(s.path)) return ENOENT;
    auto it = find_key(kernel_.sysctls, s);
    if (it != kernel_.sysctls.end())
        it->value = s.value;
    else
        kernel_.sysctls.push_back({s.path, s.value, {}});
    return 0;
}

}  // namespace gw::test
