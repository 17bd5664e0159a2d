// An in-memory gateway for reconcile tests: the fake nft and netlink
// kernels with the devices a small config needs, an account database, a
// Reconciler over them, and configs parsed from inline YAML.
#pragma once

#include <string>

#include "tests/fake/fake_kernel.hpp"
#include "daemon/reconcile/reconciler.hpp"

namespace gw::test {

// One LAN, one next-hop uplink, masquerade, a forward and an egress rule.
inline const std::string kBaseConfig = R"(version: 1
interfaces:
  lan:
    device: lan0
    addresses: [172.16.2.1/16]
uplinks:
  wan:
    kind: next-hop
    device: wan0
    gateway: 192.0.2.1
    default-route: true
zones:
  lan:
    interfaces: [lan]
    networks: 172.16.0.0/16
  wan:
    uplinks: [wan]
nat:
  masquerade:
    - from: lan
      to: wan
  forwards:
    - name: https
      proto: tcp
      port: 443
      to: 172.16.1.100
firewall:
  input:
    rules:
      - name: ssh
        action: allow
        from: lan
        proto: tcp
        port: 22
egress:
  - name: db-only
    proto: tcp
    port: 12345
    users: [dbuser]
)";

struct Gateway {
    FakeKernel kernel;
    FakeNft& nft = kernel.nft;
    FakeNet& net = kernel.net;
    host::MapAccounts accounts;
    reconcile::Reconciler reconciler{kernel, accounts};

    Gateway() {
        accounts.users["dbuser"] = 1234;
        net.add_device("lan0");
        net.add_device("wan0");
        // The uplink's own address, as DHCP or the operator would set it.
        net.kernel().addresses.push_back({"wan0", *net::Prefix::parse("192.0.2.2/24"), {}});
    }

    config::LoadedConfig load(const std::string& text, const std::string& label = "test.yaml") {
        auto cfg = config::load_config({text, label}, &accounts);
        if (!cfg) throw std::runtime_error(cfg.error().message);
        return std::move(*cfg);
    }
};

}  // namespace gw::test
