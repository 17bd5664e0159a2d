// The reconcile lab on the in-memory kernel.
#include "tests/daemon/reconcile_lab.hpp"
#include "tests/fake/fake_kernel.hpp"

namespace gw::test {
namespace {

class FakeLab final : public Lab {
public:
    FakeLab() {
        kernel_.net.add_device("lan0");
        kernel_.net.add_device("wan0");
        // The uplink's own address, as DHCP or the operator would set it.
        kernel_.net.kernel().addresses.push_back({"wan0", *net::Prefix::parse("192.0.2.2/24"), {}});
        attach(kernel_, {});
    }

    void flush_tables() override {
        for (auto& c : kernel_.nft.edit_tables().tables.at(0).chains) c.rules.clear();
    }
    void delete_tables() override { kernel_.nft.edit_tables().tables.clear(); }
    void swap_address(const std::string& ifname, const std::string& from, const std::string& to) override {
        auto& addrs = kernel_.net.kernel().addresses;
        std::erase_if(addrs, [&](const netstate::Address& a) { return a.ifname == ifname && a.prefix.str() == from; });
        addrs.push_back({ifname, *net::Prefix::parse(to), {}});
    }
    void delete_link(const std::string& name) override { kernel_.net.remove_link(name); }
    void create_link(const std::string& name) override { kernel_.net.add_device(name); }
    std::optional<Counts> counts() const override {
        return Counts{kernel_.nft.applies(), kernel_.nft.element_updates(), kernel_.nft.checks(),
                      kernel_.net.requests()};
    }

private:
    FakeKernel kernel_;
};

}  // namespace

std::unique_ptr<Lab> make_lab() { return std::make_unique<FakeLab>(); }

}  // namespace gw::test
