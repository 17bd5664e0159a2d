// The reconcile lab on the real kernel: the test process lives in a network
// namespace of its own (main below), and every lab starts from a clean one:
// no gatewayd table, fresh veth pairs.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "daemon/kernel/linux_kernel.hpp"
#include "daemon/kernel/probe/features.hpp"
#include "tests/daemon/reconcile_lab.hpp"

namespace gw::test {
namespace {

void sh(const std::string& cmd) {
    if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

class RealLab final : public Lab {
public:
    RealLab() {
        std::system("nft delete table inet gatewayd >/dev/null 2>&1");
        std::system("ip link del lan0 >/dev/null 2>&1; ip link del wan0 >/dev/null 2>&1");
        sh("ip link add lan0 type veth peer name lanpeer");
        sh("ip link add wan0 type veth peer name wanpeer");
        sh("ip link set wan0 up");
        sh("ip link set wanpeer up");
        sh("ip addr add 192.0.2.2/24 dev wan0");
        auto k = kernel::LinuxKernel::open();
        if (!k) throw std::runtime_error(k.error().describe());
        kernel_ = std::move(*k);
        attach(*kernel_, [this] { return kernel::probe_kernel_features(*kernel_); });
    }

    void flush_tables() override { sh("nft flush table inet gatewayd"); }
    void delete_tables() override { sh("nft delete table inet gatewayd"); }
    void swap_address(const std::string& ifname, const std::string& from, const std::string& to) override {
        sh("ip addr del " + from + " dev " + ifname);
        sh("ip addr add " + to + " dev " + ifname);
    }
    void delete_link(const std::string& name) override { sh("ip link del " + name); }
    void create_link(const std::string& name) override {
        sh("ip link add " + name + " type veth peer name " + name.substr(0, 3) + "peer");
    }

private:
    std::unique_ptr<kernel::LinuxKernel> kernel_;
};

}  // namespace

std::unique_ptr<Lab> make_lab() { return std::make_unique<RealLab>(); }

}  // namespace gw::test

int main(int argc, char** argv) {
    if (geteuid() != 0) {
        std::puts("skipping: needs root (a network namespace, nftables)");
        return 77;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        std::printf("skipping: cannot create a network namespace: %s\n", std::strerror(errno));
        return 77;
    }
    std::system("ip link set lo up");
    doctest::Context context(argc, argv);
    return context.run();
}
