// gwctl import iptables [-o FILE] FILE...: iptables-save, ip6tables-save
// and ebtables-save output -> gateway.yaml on stdout (or FILE). What was
// left out or looks like a bug is reported on stderr with its line (and
// kept as comments in the file). The output is checked with the same
// parser as `gwctl check` before it is written. Exit 0: everything
// imported; 3: something was left out or not copied as written; 2: an
// unreadable file, a line that is not iptables-save output, bad usage.
#include <arpa/inet.h>
#include <ifaddrs.h>

#include <cstdio>
#include <string>
#include <vector>

#include "ctl/commands.hpp"
#include "daemon/config/file.hpp"
#include "daemon/generations/atomic_file.hpp"
#include "daemon/host/accounts.hpp"
#include "rules/config/diag.hpp"
#include "rules/import/import.hpp"
#include "rules/import/save_parse.hpp"

namespace gw::ctl {

namespace {

constexpr int kExitLeftOut = 3;

void import_usage() {
    std::fputs("usage: gwctl import iptables [-o FILE] SAVEFILE...\n"
               "  SAVEFILE: what iptables-save, ip6tables-save or ebtables-save printed\n"
               "  writes gateway.yaml to stdout (or FILE); exit 0 all imported, 3 something left out\n"
               "  or flagged (see stderr and the comments at the end), 2 error\n",
               stderr);
}

int prefix_length(const sockaddr* mask) {
    const auto* bytes = mask->sa_family == AF_INET
                            ? reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(mask)->sin_addr)
                            : reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr);
    int n = 0;
    for (int i = 0; i < (mask->sa_family == AF_INET ? 4 : 16); ++i) n += __builtin_popcount(bytes[i]);
    return n;
}

// The global addresses of `link` on this machine (link-local ones are the
// kernel's own), as "address/length".
std::vector<std::string> link_addresses(const std::string& link) {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return out;
    for (const ifaddrs* a = list; a; a = a->ifa_next) {
        if (!a->ifa_addr || !a->ifa_netmask || link != a->ifa_name) continue;
        int family = a->ifa_addr->sa_family;
        if (family != AF_INET && family != AF_INET6) continue;
        const void* raw = family == AF_INET ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr)
                                            : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(a->ifa_addr)->sin6_addr);
        char text[INET6_ADDRSTRLEN] = {};
        if (!inet_ntop(family, raw, text, sizeof text)) continue;
        if (std::string_view(text).starts_with("fe80:")) continue;
        out.push_back(std::string(text) + "/" + std::to_string(prefix_length(a->ifa_netmask)));
    }
    freeifaddrs(list);
    return out;
}

import::ImportOptions host_facts() {
    import::ImportOptions o;
    o.link_addresses = link_addresses;
    o.user_name = [](std::uint32_t uid) { return host::SystemAccounts().user_name(uid); };
    o.group_name = [](std::uint32_t gid) { return host::SystemAccounts().group_name(gid); };
    return o;
}

bool write_output(const std::string& path, const std::string& text) {
    if (path.empty()) return std::fputs(text.c_str(), stdout) >= 0;
    return generations::write_file_atomically(path, text, generations::mode_or(path, 0644)).has_value();
}

struct ImportArgs {
    std::string output;
    std::vector<std::string> files;
};

std::optional<ImportArgs> parse_args(Args args) {
    if (args.empty() || args[0] != "iptables") return std::nullopt;
    ImportArgs out;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "-o" && i + 1 < args.size()) out.output = std::string(args[++i]);
        else if (args[i].size() > 1 && args[i][0] == '-') return std::nullopt;
        else out.files.emplace_back(args[i]);
    }
    if (out.files.empty()) return std::nullopt;
    return out;
}

}  // namespace

int run_import(Args args) {
    auto a = parse_args(args);
    if (!a) return import_usage(), kExitError;
    std::vector<import::SaveFile> files;
    for (const auto& path : a->files) {
        auto text = config::read_config_file(path);
        if (!text) return std::fprintf(stderr, "gwctl: %s\n", text.error().message.c_str()), kExitError;
        auto parsed = import::parse_save(text->text, path);
        if (!parsed) return std::fprintf(stderr, "%s\n", parsed.error().text().c_str()), kExitError;
        files.push_back(std::move(*parsed));
    }
    auto result = import::import_rulesets(files, host_facts());
    std::string label = a->output.empty() ? "<imported>" : a->output;
    auto checked = config::parse_config(result.yaml, label);
    if (checked.diagnostics.has_errors()) {
        std::fputs(config::render_diagnostics(checked.diagnostics, label, result.yaml).c_str(), stderr);
        std::fputs("gwctl import: the imported file does not pass `gwctl check` (a bug of the importer)\n", stderr);
        return kExitError;
    }
    if (!write_output(a->output, result.yaml))
        return std::fprintf(stderr, "gwctl: cannot write %s\n", a->output.c_str()), kExitError;
    std::fputs(import::render_reports(result.reports).c_str(), stderr);
    return result.left_out() ? kExitLeftOut : kExitOk;
}

}  // namespace gw::ctl
