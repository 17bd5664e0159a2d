// What iptables-save, ip6tables-save and ebtables-save print, as plain
// values: tables of chains and rules, each rule with the file line it came
// from and its matches and target decoded into fields. Only what the
// mapping to gateway.yaml needs is decoded; anything else a rule says is
// listed in `unsupported`, so the rule can be reported instead of misread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rules/net/address.hpp"

namespace gw::import {

enum class SaveKind {
    iptables,   // iptables-save: IPv4
    ip6tables,  // ip6tables-save: IPv6
    ebtables,   // ebtables-save: layer 2 (the broute table)
};

struct PortSpan {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    friend bool operator==(const PortSpan&, const PortSpan&) = default;
};

// A match that may be negated with "!".
template <class T>
struct Neg {
    T value{};
    bool negated = false;
    friend bool operator==(const Neg&, const Neg&) = default;
};

struct Rule {
    std::string file;  // the save file, for reports
    int line = 0;      // 1-based line in that file
    std::string text;  // the line as written
    std::string chain;

    std::optional<Neg<std::string>> proto;  // "tcp", "udp", "icmp", "ipv6-icmp", "IPv6" (ebtables) ...
    std::optional<Neg<net::Prefix>> source;
    std::optional<Neg<net::Prefix>> destination;
    std::optional<Neg<std::string>> in_if;   // -i
    std::optional<Neg<std::string>> out_if;  // -o
    std::vector<PortSpan> dports;            // --dport / -m multiport --dports
    std::vector<PortSpan> sports;
    std::vector<std::string> states;         // -m state/conntrack: NEW, ESTABLISHED, ...
    std::optional<std::string> icmp_type;    // --icmp-type / --icmpv6-type as written
    std::optional<std::string> uid_owner;    // -m owner
    std::optional<std::string> gid_owner;
    std::optional<std::pair<std::uint32_t, std::uint32_t>> mark;     // -m mark --mark v[/m]
    std::optional<std::pair<std::uint32_t, std::uint32_t>> connmark; // -m connmark --mark v[/m]
    std::optional<std::string> limit;        // -m limit --limit 5/min
    std::optional<std::uint32_t> limit_burst;
    std::optional<std::string> comment;      // -m comment
    bool syn = false;                        // --syn or --tcp-flags FIN,SYN,RST,ACK SYN
    std::vector<std::string> unsupported;    // what the mapping cannot express, in words

    std::string target;                        // ACCEPT, DROP, REJECT, LOG, DNAT, ..., a chain, or ""
    bool goto_chain = false;                   // -g instead of -j
    std::map<std::string, std::string> target_options;  // "--to-destination" -> "1.2.3.4"

    bool has_option(const std::string& name) const { return target_options.count(name) != 0; }
    std::string option(const std::string& name) const {
        auto it = target_options.find(name);
        return it == target_options.end() ? std::string{} : it->second;
    }
};

struct Chain {
    std::string name;
    std::string policy;  // ACCEPT/DROP for built-in chains, "-" for user chains
    int line = 0;
};

struct Table {
    std::string name;  // filter, nat, mangle, raw, security, broute
    int line = 0;
    std::vector<Chain> chains;
    std::vector<Rule> rules;  // in file order, all chains
    const Chain* find_chain(std::string_view name) const;
    std::vector<const Rule*> rules_of(std::string_view chain) const;
};

struct SaveFile {
    std::string path;
    SaveKind kind = SaveKind::iptables;
    std::vector<Table> tables;
    const Table* find_table(std::string_view name) const;
};

// Why a file cannot be read: the line, and what is wrong with it in words.
struct ParseError {
    std::string file;
    int line = 0;
    std::string message;
    std::string text() const { return file + ":" + std::to_string(line) + ": " + message; }
};

}  // namespace gw::import
