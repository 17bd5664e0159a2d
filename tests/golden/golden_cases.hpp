// The golden cases, shared by the golden test (nft and netlink text compared
// exactly) and the netns test (text loaded by the real nft): every directory
// under tests/golden holding a config.yaml, and every examples/<name>.yaml as
// the case "example-<name>". A case may carry facts.yaml (uplink addresses and
// interface names, kernel features) for what the daemon would learn from the kernel.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "rules/config/parse.hpp"
#include "rules/facts.hpp"
#include "rules/mape/uplink.hpp"
#include "rules/nft/compile.hpp"

namespace gw::test {

namespace fs = std::filesystem;

struct GoldenCase {
    std::string name;    // directory name under tests/golden
    fs::path dir;        // where expected.nft lives
    fs::path config;     // the config file compiled
};

// A directory the meson test passes in the environment.
inline fs::path env_path(const char* name) {
    const char* v = std::getenv(name);
    return v ? fs::path(v) : fs::path();
}

inline std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::vector<GoldenCase> golden_cases(const fs::path& golden_dir, const fs::path& examples_dir) {
    std::vector<GoldenCase> out;
    for (const auto& e : fs::directory_iterator(golden_dir))
        if (e.is_directory() && fs::exists(e.path() / "config.yaml"))
            out.push_back({e.path().filename().string(), e.path(), e.path() / "config.yaml"});
    if (fs::is_directory(examples_dir))
        for (const auto& e : fs::directory_iterator(examples_dir))
            if (e.path().extension() == ".yaml") {
                auto name = "example-" + e.path().stem().string();
                out.push_back({name, golden_dir / name, e.path()});
            }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

// uplink-addresses: {name: [addr, ...]}, uplink-ifnames: {name: ifname},
// kernel: {broute: bool, bridge-conntrack: bool, br-netfilter: bool, flowtable: bool},
// links: [name, ...],
// uids: {user: uid}, gids: {group: gid},
// delegations: {uplink: {prefix, preferred, valid, dns, retired}}
inline rules::Facts load_facts(const fs::path& dir) {
    rules::Facts facts;
    auto path = dir / "facts.yaml";
    if (!fs::exists(path)) return facts;
    auto doc = YAML::LoadFile(path.string());
    for (const auto& kv : doc["uplink-addresses"])
        for (const auto& a : kv.second)
            if (auto addr = net::Address::parse(a.as<std::string>()))
                facts.uplink_addresses[kv.first.as<std::string>()].push_back(*addr);
    // mape-link-addresses: {uplink: [addr, ...]}: the addresses on a map-e uplink's IPv6 link.
    for (const auto& kv : doc["mape-link-addresses"])
        for (const auto& a : kv.second)
            if (auto addr = net::Address::parse(a.as<std::string>()))
                facts.mape_link_addresses[kv.first.as<std::string>()].push_back(*addr);
    for (const auto& kv : doc["uplink-ifnames"])
        facts.uplink_ifnames[kv.first.as<std::string>()] = kv.second.as<std::string>();
    // kernel: {broute, bridge-conntrack, br-netfilter}: what the daemon would probe.
    if (const auto k = doc["kernel"]) {
        if (k["broute"]) facts.kernel.broute = k["broute"].as<bool>();
        if (k["bridge-conntrack"]) facts.kernel.bridge_conntrack = k["bridge-conntrack"].as<bool>();
        if (k["br-netfilter"]) facts.kernel.br_netfilter = k["br-netfilter"].as<bool>();
        if (k["flowtable"]) facts.kernel.flowtable = k["flowtable"].as<bool>();
    }
    // links: [name, ...]: the links that exist (the fast path's flowtable holds only those).
    if (const auto links = doc["links"]) {
        facts.links.emplace();
        for (const auto& l : links) facts.links->insert(l.as<std::string>());
    }
    // delegations: {uplink: {prefix, preferred, valid, dns: [...], retired: [...]}}:
    // what the uplink's DHCPv6 client holds.
    for (const auto& kv : doc["delegations"]) {
        rules::Delegation d;
        d.prefix = *net::Prefix::parse(kv.second["prefix"].as<std::string>());
        if (kv.second["preferred"]) d.preferred = kv.second["preferred"].as<std::uint32_t>();
        if (kv.second["valid"]) d.valid = kv.second["valid"].as<std::uint32_t>();
        for (const auto& a : kv.second["dns"]) d.dns.push_back(*net::Address::parse(a.as<std::string>()));
        for (const auto& p : kv.second["retired"]) d.retired.push_back(*net::Prefix::parse(p.as<std::string>()));
        facts.delegations[kv.first.as<std::string>()] = d;
    }
    // uids: {user: uid}, gids: {group: gid}: the accounts egress rules name.
    for (const auto& kv : doc["uids"]) facts.uids[kv.first.as<std::string>()] = kv.second.as<std::uint32_t>();
    for (const auto& kv : doc["gids"]) facts.gids[kv.first.as<std::string>()] = kv.second.as<std::uint32_t>();
    return facts;
}

// A case's parsed config and facts: the one input both halves (nft and
// netlink) compile from, so they cannot drift apart.
struct Loaded {
    std::optional<config::Config> config;
    rules::Facts facts;
    std::string errors;  // rendered diagnostics when the config did not parse
};

inline Loaded load_case(const GoldenCase& c) {
    auto text = read_file(c.config);
    auto parsed = config::parse_config(text, c.config.string());
    if (!parsed.config) return {std::nullopt, {}, config::render_diagnostics(parsed.diagnostics, c.config.string(), text)};
    auto facts = load_facts(c.dir);
    mape::fill_ce_addresses(*parsed.config, facts);  // as the daemon's gather_facts does
    return {std::move(parsed.config), std::move(facts), {}};
}

struct Compiled {
    std::optional<nft::Ruleset> ruleset;
    std::string errors;  // rendered diagnostics when the config did not parse
};

inline Compiled compile_case(const GoldenCase& c) {
    auto loaded = load_case(c);
    if (!loaded.config) return {std::nullopt, loaded.errors};
    return {rules::compile_ruleset(*loaded.config, loaded.facts), {}};
}

}  // namespace gw::test
