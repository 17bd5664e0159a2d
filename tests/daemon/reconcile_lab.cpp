#include "tests/daemon/reconcile_lab.hpp"

#include <stdexcept>

namespace gw::test {

void Lab::attach(kernel::Kernel& kernel, reconcile::FeatureProbe probe) {
    accounts.users["dbuser"] = 1234;
    kernel_ = &kernel;
    reconciler_ = std::make_unique<reconcile::Reconciler>(kernel, accounts, std::move(probe));
}

config::LoadedConfig Lab::load(const std::string& text) {
    auto cfg = config::load_config({text, "test.yaml"}, &accounts);
    if (!cfg) throw std::runtime_error(cfg.error().message);
    return std::move(*cfg);
}

nft::Ruleset Lab::tables() {
    auto seen = kernel_->observe({.nft = true, .net = false, .sysctls = {}});
    if (!seen) throw std::runtime_error(seen.error().describe());
    return seen->nft;
}

bool Lab::has_address(const std::string& ifname, const std::string& prefix) {
    auto seen = kernel_->observe({.nft = false, .net = true, .sysctls = {}});
    if (!seen) throw std::runtime_error(seen.error().describe());
    for (const auto& a : seen->net.addresses)
        if (a.ifname == ifname && a.prefix.str() == prefix) return true;
    return false;
}

}  // namespace gw::test
