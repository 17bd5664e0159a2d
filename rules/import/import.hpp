// iptables-save / ip6tables-save / ebtables-save rulesets -> gateway.yaml
// text, with a report of what was left out and what looks like a bug.
// Pure: names of numeric owners come in through ImportOptions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rules/import/save_model.hpp"

namespace gw::import {

enum class ReportKind {
    left_out,    // no equivalent in gateway.yaml: kept as a comment, exit 3
    suspicious,  // probably a bug in the original: flagged, not copied as is
    covered,     // gatewayd does this by itself (established, loopback, ...)
    narrowed,    // imported on purpose with a narrower match: said, not an exit 3
};

struct Report {
    ReportKind kind = ReportKind::left_out;
    std::string file;
    int line = 0;
    std::string text;     // the original line
    std::string message;  // what and why
    std::string where() const { return file + ":" + std::to_string(line); }
};

struct ImportOptions {
    // Numeric owners as iptables-save prints them -> account names.
    std::function<std::optional<std::string>(std::uint32_t)> user_name;
    std::function<std::optional<std::string>(std::uint32_t)> group_name;
    // The addresses ("192.168.1.1/24") a link has on this machine: gatewayd
    // keeps exactly the addresses an interface lists, so they must be there.
    std::function<std::vector<std::string>(const std::string& link)> link_addresses;
};

struct ImportResult {
    std::string yaml;
    std::vector<Report> reports;
    bool left_out() const;
};

ImportResult import_rulesets(const std::vector<SaveFile>& files, const ImportOptions& options = {});

// "file:line: kind: message" lines for stderr.
std::string render_reports(const std::vector<Report>& reports);

}  // namespace gw::import
