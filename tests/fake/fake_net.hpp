// The netlink half of the in-memory kernel (fake_kernel.hpp): it holds every link, address,
// route, rule and sysctl (gatewayd's and anyone else's), applies operations
// with the kernel's answers (EEXIST, ENODEV for a missing link, ESRCH for a
// missing route, ENOENT for a missing per-link sysctl) and observes through
// the same ownership filter as the real backend. Tests can make links
// vanish and appear, and make chosen operations fail.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/kernel/kernel.hpp"
#include "daemon/kernel/rtnl/error.hpp"

namespace gw::test {

class FakeNet {
public:
    // The simulated kernel. Tests may edit it to plant foreign or stale objects.
    netstate::NetState& kernel() { return kernel_; }
    const netstate::NetState& kernel() const { return kernel_; }

    // A device appears (a NIC plugged in, a veth created): down, with the
    // IPv6 link-local address the kernel gives every link.
    void add_device(const std::string& name, std::uint32_t mtu = 1500);
    // The link goes away with its addresses, routes and per-link sysctls.
    void remove_link(std::string_view name);
    // From now on, every operation whose diff line contains `text` fails with `err`.
    void fail_matching(std::string text, int err);
    void clear_failures() { failures_.clear(); }
    // Operations that reached the fake kernel, whatever their outcome.
    std::size_t requests() const { return requests_; }

    // Every link, permanent address, owned route and rule, and the sysctls
    // of `sysctls` (paths), as LinuxKernel::observe() reads them.
    netstate::NetState observe(const std::vector<std::string>& sysctls) const;
    kernel::AddressMap addresses() const;
    // In the order given (the plan's).
    kernel::ApplyResult apply(const std::vector<netstate::NetOp>& ops);

private:
    struct Failure {
        std::string text;
        int err;
    };
    int execute(const netstate::NetOp& op);
    int apply_link(const netstate::NetOp& op, const netstate::Link& l);
    int apply_address(const netstate::NetOp& op, const netstate::Address& a);
    int apply_route(const netstate::NetOp& op, const netstate::Route& r);
    int apply_rule(const netstate::NetOp& op, const netstate::Rule& r);
    int apply_sysctl(const netstate::Sysctl& s);
    bool has_link(std::string_view name) const { return kernel_.find_link(name) != nullptr; }
    bool sysctl_exists(const std::string& path) const;

    netstate::NetState kernel_;
    std::vector<Failure> failures_;
    std::size_t requests_ = 0;
    unsigned next_link_id_ = 1;
};

}  // namespace gw::test
