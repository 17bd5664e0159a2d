// One gateway for the reconcile tests that run twice from the same source:
// against the in-memory kernel (lab_fake.cpp, unit suite) and against the
// real kernel in a network namespace of the test's own (lab_real.cpp,
// netns suite), the way NetworkManager builds its platform tests once per
// platform. Both labs start with lan0 and wan0 (192.0.2.2/24 on wan0) and
// a user dbuser (uid 1234).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "daemon/kernel/kernel.hpp"
#include "daemon/reconcile/reconciler.hpp"

namespace gw::test {

// What only the in-memory kernel can count.
struct Counts {
    std::size_t applies = 0;          // committed table replacements
    std::size_t element_updates = 0;  // committed element-only updates
    std::size_t checks = 0;
    std::size_t requests = 0;         // netlink operations that reached the kernel
};

class Lab {
public:
    virtual ~Lab() = default;

    host::MapAccounts accounts;
    reconcile::Reconciler& reconciler() { return *reconciler_; }
    config::LoadedConfig load(const std::string& text);

    nft::Ruleset tables();  // gatewayd's tables, as observed
    bool has_address(const std::string& ifname, const std::string& prefix);

    // What an operator or another program does to the kernel.
    virtual void flush_tables() = 0;   // nft flush table inet gatewayd
    virtual void delete_tables() = 0;  // nft delete table inet gatewayd
    virtual void swap_address(const std::string& ifname, const std::string& from, const std::string& to) = 0;
    virtual void delete_link(const std::string& name) = 0;
    virtual void create_link(const std::string& name) = 0;
    virtual std::optional<Counts> counts() const { return std::nullopt; }

protected:
    void attach(kernel::Kernel& kernel, reconcile::FeatureProbe probe);

private:
    kernel::Kernel* kernel_ = nullptr;
    std::unique_ptr<reconcile::Reconciler> reconciler_;
};

std::unique_ptr<Lab> make_lab();

}  // namespace gw::test
