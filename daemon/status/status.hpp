// What `gwctl status` shows, as one value: interfaces and uplinks with their
// state and addresses, hit counters per port forward, per drop class and
// per named rule (read from the observed ruleset by the names the compiler
// gives things), the kernel features and paths, the last apply, a pending
// confirm and the last rollback. The daemon sends it as JSON over the bus;
// gwctl reads it back and prints text. Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/config/model.hpp"
#include "rules/facts.hpp"
#include "rules/netstate/model.hpp"
#include "rules/nft/ruleset.hpp"

namespace gw::status {

using SystemTime = std::chrono::system_clock::time_point;

struct ApplyRecord {
    SystemTime time;
    std::string trigger;  // start, apply, reload, event, retry, rollback
    bool ok = false;
    bool changed = false;
    std::string result;   // one line
    std::string errors;   // "file:line:col: message" lines; "" when ok
    std::string source;   // the config's label (path or "<bus>")
};

struct RollbackRecord {
    SystemTime time;
    std::string reason;
    bool ok = false;  // the previous config is live again
};

// One address a PPPoE uplink held.
struct AddressLifetimeStatus {
    std::string address;
    SystemTime since;
    std::optional<SystemTime> until;  // empty while it is held
};

// What the daemon's PPPoE supervisor (daemon/uplinks/) knows of a session.
struct SessionStatus {
    std::string state;   // disabled, connecting, up, retrying
    std::string reason;  // retrying: why (the last failure)
    std::string address;
    std::string peer;
    std::vector<std::string> dns;
    std::optional<SystemTime> since;       // in this state since
    std::uint32_t reconnects = 0;          // starts after a failure
    std::optional<SystemTime> next_retry;  // retrying: when the next attempt starts
    std::vector<AddressLifetimeStatus> history;  // oldest first
    std::uint32_t lifetimes = 0;                 // finished lifetimes in the history ...
    std::int64_t mean_lifetime = 0;              // ... their mean and median, in seconds
    std::int64_t median_lifetime = 0;
};

// A MAP-E uplink's CE, derived from its end-user prefix; `known` false
// until an address of the rule prefix shows up on its IPv6 link.
struct MapeStatus {
    bool known = false;
    std::string end_user_prefix;
    std::string ce_ipv4;
    std::string ce_ipv6;
    std::string br;
    std::uint32_t psid = 0;
    std::uint32_t psid_length = 0;
    std::uint32_t ports = 0;           // ports in the set
    std::vector<std::string> blocks;   // "5744-5759", ascending
    bool legacy = false;               // draft-03 interface ID
};

struct LinkStatus {
    std::string name;    // config name
    std::string device;  // kernel link name
    std::string kind;    // uplinks: pppoe, next-hop; interfaces: ""
    std::string state;   // up, down, absent, disabled (uplinks: up, connecting, down, disabled)
    std::vector<std::string> addresses;
    std::optional<SessionStatus> session;  // supervised PPPoE uplinks
    std::optional<MapeStatus> mape;        // map-e uplinks
};

struct CounterStatus {
    std::string chain;
    std::string name;  // config rule name, or the drop class
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
};

struct ForwardStatus {
    std::string name;
    std::uint64_t connections = 0;  // DNAT map hits: one per new connection
    std::uint64_t packets = 0;      // forward-chain allow: packets ...
    std::uint64_t bytes = 0;        // ... and bytes of forwarded connections
};

struct KernelStatus {
    rules::KernelFeatures features;
    std::string ipv6_split;  // which path the bridge split uses; "" when the config has none
    std::string fast_path;   // whether the flowtable is in the kernel, and on which links; "" when not configured
};

// One VRRP instance: its role as keepalived reports it on D-Bus, and the
// last advert heard on its link from another router with its VRID.
struct VrrpInstanceStatus {
    std::string name;
    std::string interface;  // kernel link
    std::uint32_t vrid = 0;
    std::string role;       // MASTER, BACKUP, FAULT, INIT, or "unknown" (keepalived not on the bus)
    std::optional<SystemTime> since;
    std::string peer;                      // the advert's source address ("" = none heard)
    std::uint32_t peer_priority = 0;
    std::optional<SystemTime> peer_advert; // when it was heard
};

// The HA pair (ha: section): keepalived and conntrackd as children.
struct HaStatus {
    bool master = false;          // what only-on-master uplinks follow
    std::string keepalived;       // running, starting, restarting: <why>, stopped
    std::vector<VrrpInstanceStatus> instances;
    std::string sync;             // "off" without ha.sync, else conntrackd's state
    std::string last_sync_action; // e.g. "MASTER: commit external cache ok, flush caches ok, ..."
    std::optional<SystemTime> last_sync_time;
    std::vector<std::string> held_back;  // uplinks stopped because this box is not MASTER
};

// Routed IPv6: what each uplink's DHCPv6 client holds, each LAN's /64.
struct DelegationStatus {
    std::string uplink;
    std::string client;       // the DHCPv6 client: running, restarting in N s: <why>, stopped
    std::string prefix;       // "" while none is held
    std::uint32_t preferred = 0;  // lifetimes in seconds, as last received
    std::uint32_t valid = 0;
    std::optional<SystemTime> received;
    std::vector<std::string> dns;
    std::vector<std::string> retired;  // earlier prefixes, still announced with lifetime 0
};
struct LanPrefixStatus {
    std::string interface;
    std::string link;
    std::string prefix;                // "" while the uplink holds none (or one too small)
    std::vector<std::string> retired;
    bool ra = false;                   // announced by router advertisements
};
struct Routed6Status {
    std::vector<DelegationStatus> uplinks;
    std::vector<LanPrefixStatus> lans;
    std::string radvd;  // running, ..., stopped (nothing to announce)
};

struct StatusReport {
    bool daemon = false;  // from the running daemon, or read directly from the kernel
    std::string state;
    std::string config;   // label of the active config
    std::vector<LinkStatus> interfaces;
    std::vector<LinkStatus> uplinks;
    std::vector<ForwardStatus> forwards;
    std::vector<CounterStatus> drops;
    std::vector<CounterStatus> rules;
    KernelStatus kernel;
    std::optional<HaStatus> ha;
    std::optional<Routed6Status> routed6;
    std::optional<ApplyRecord> last_apply;
    std::optional<RollbackRecord> last_rollback;
    std::optional<SystemTime> confirm_deadline;
    std::vector<std::string> errors;  // current problems, one line each
};

// ---- filling from observations --------------------------------------------

// Counters of every rule with a comment, summed per (chain, comment): drop
// classes (the policy rules, kCommentPolicy) into `drops`, config-named
// rules into `rules`; forward map and allow-set element counters per forward.
void add_ruleset_counters(const nft::Ruleset& observed, StatusReport& out);
// Interfaces and uplinks of the config with the observed link state and addresses.
using AddressMap = std::map<std::string, std::vector<net::Address>, std::less<>>;
void add_links(const config::Config& cfg, const rules::Facts& facts,
               const netstate::NetState& observed_links, const AddressMap& addresses,
               StatusReport& out);
// Forwards in config order, those without hits yet included; after add_ruleset_counters.
void order_forwards(const config::Config& cfg, StatusReport& out);
std::string split_path(const config::Config& cfg, const rules::KernelFeatures& features);
// firewall.fast-path as the kernel holds it: "on: ..." only when the
// flowtable is there; "" when the config does not ask for it.
std::string fast_path(const config::Config& cfg, const rules::KernelFeatures& features,
                      const nft::Ruleset& observed);

// ---- transport and text ------------------------------------------------------

std::string status_to_json(const StatusReport& s);
std::expected<StatusReport, std::string> status_from_json(std::string_view json);
std::string render_status(const StatusReport& s, SystemTime now);
std::string format_time(SystemTime t);  // local time, "2025-05-01 12:00:00"

}  // namespace gw::status
