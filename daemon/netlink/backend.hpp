// The netlink kernel behind one narrow interface, so reconcile logic can
// run against the real kernel (LibnlNetBackend) or an in-memory one
// (FakeNetBackend, fake_backend.hpp) in unit tests. sync_netstate() is the
// whole observe -> diff -> apply step for callers that need nothing between.
#pragma once

#include <string>
#include <vector>

#include "daemon/netlink/error.hpp"
#include "rules/netstate/diff.hpp"

namespace gw::kernel {

class NetBackend {
public:
    virtual ~NetBackend() = default;
    virtual ObserveResult observe(const netstate::NetState& scope) = 0;
    virtual ApplyResult apply(const std::vector<netstate::NetOp>& ops) = 0;
    virtual AddressesResult observe_addresses(const std::vector<std::string>& ifnames) = 0;
};

class LibnlNetBackend final : public NetBackend {
public:
    ObserveResult observe(const netstate::NetState& scope) override;
    ApplyResult apply(const std::vector<netstate::NetOp>& ops) override;
    AddressesResult observe_addresses(const std::vector<std::string>& ifnames) override;
};

struct SyncReport {
    netstate::NetDiff diff;  // what was found different before applying
    ApplyReport applied;
};

std::expected<SyncReport, KernelError> sync_netstate(NetBackend& backend,
                                                  const netstate::NetState& desired);

}  // namespace gw::kernel
