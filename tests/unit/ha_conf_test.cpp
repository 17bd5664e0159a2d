// The ha section as keepalived's and conntrackd's configuration files.
#include <doctest/doctest.h>

#include "rules/config/parse.hpp"
#include "rules/ha/ha_conf.hpp"

using namespace gw;

namespace {

const char* kPair = R"(version: 1
interfaces:
  lan: {device: lan0, addresses: [172.16.0.2/16]}
  wan: {device: eth1, addresses: [192.0.2.2/24]}
  sync: {device: sync0, addresses: [10.99.0.1/30]}
uplinks:
  isp: {kind: pppoe, device: wan0, username: u, password-file: /etc/gatewayd/p}
firewall: {input: {policy: accept}}
ha:
  instances:
    lan:
      interface: lan
      vrid: 51
      priority: 150
      virtual-addresses: [172.16.0.1/16]
      auth-secret-file: /etc/gatewayd/vrrp.secret
      track-links: [isp, wan]
    outside:
      interface: wan
      vrid: 52
      advert-interval: 2
      preempt: false
      virtual-addresses: [192.0.2.1/24]
  only-on-master: [isp]
  sync: {interface: sync, peer: 10.99.0.2}
)";

config::Config parsed() {
    auto r = config::parse_config(kPair, "pair.yaml");
    REQUIRE(r.config);
    return *r.config;
}

}  // namespace

TEST_CASE("keepalived.conf: D-Bus on, both instances in one sync group, tracked ports, password only when given") {
    auto cfg = parsed();
    auto text = ha::render_keepalived_conf(cfg, {{"lan", "s3cret"}});
    CHECK(text == R"(# written by gatewayd from pair.yaml; edit that file instead
global_defs {
    enable_dbus
    vrrp_garp_master_delay 1
    vrrp_garp_master_repeat 3
}
vrrp_sync_group gatewayd {
    group {
        lan
        outside
    }
}
vrrp_instance lan {
    state BACKUP
    interface lan0
    virtual_router_id 51
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    virtual_ipaddress {
        172.16.0.1/16 dev lan0
    }
    track_interface {
        wan0
        eth1
    }
}
vrrp_instance outside {
    state BACKUP
    interface eth1
    virtual_router_id 52
    priority 100
    advert_int 2
    nopreempt
    virtual_ipaddress {
        192.0.2.1/24 dev eth1
    }
}
)");
    CHECK(cfg.ha->follows_role("isp"));
    CHECK(!cfg.ha->follows_role("wan"));
}

TEST_CASE("conntrackd.conf: FTFW over the sync link from its own address to the peer") {
    auto cfg = parsed();
    auto text = ha::render_conntrackd_conf(cfg, {"/run/gw/ct.lock", "/run/gw/ct.ctl"});
    CHECK(text.find("    Mode FTFW {\n        DisableExternalCache Off\n") != std::string::npos);
    CHECK(text.find("        IPv4_address 10.99.0.1\n        IPv4_Destination_Address 10.99.0.2\n"
                    "        Port 3780\n        Interface sync0\n") != std::string::npos);
    CHECK(text.find("    LockFile /run/gw/ct.lock\n    UNIX {\n        Path /run/gw/ct.ctl\n    }\n") != std::string::npos);
}

TEST_CASE("without ha.sync there is no conntrackd configuration") {
    auto cfg = parsed();
    cfg.ha->sync.reset();
    CHECK(ha::render_conntrackd_conf(cfg, {"/l", "/c"}).empty());
}
