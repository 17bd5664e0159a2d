// parse_config(): YAML tree -> Config, section by section, then the
// cross-section validators. Diagnostics are collected throughout and sorted
// at the end; the Config is handed out only when none of them is an error.
#include "rules/config/parse.hpp"

#include <array>

#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

using SectionParser = void (*)(Reader&, const Node&, Config&);

struct Section {
    std::string_view key;
    SectionParser parse;
};

// Order matters: references are resolved against what earlier sections
// defined (nat needs zones and sets, routing needs uplinks).
constexpr std::array<Section, 10> kSections{{
    {"interfaces", parse_interfaces},
    {"uplinks", parse_uplinks},
    {"zones", parse_zones},
    {"sets", parse_sets},
    {"nat", parse_nat},
    {"firewall", parse_firewall},
    {"ipv6", parse_ipv6},
    {"egress", parse_egress},
    {"routing", parse_routing},
    {"ha", parse_ha},
}};

constexpr std::array<std::string_view, 11> kTopKeys{
    "version", "interfaces", "uplinks", "zones", "sets", "nat", "firewall", "ipv6", "egress", "routing", "ha",
};

void parse_version(Reader& r, const Node& root, Config& cfg) {
    const Node* v = r.require(root, "", "version");
    if (!v) return;
    auto n = r.read_uint(*v, "version", 0, 0xffffffffu);
    if (!n) return;
    if (n->value != 1) {
        r.error(v->loc, "version", "unknown version " + std::to_string(n->value),
                "this gatewayd understands version 1");
        return;
    }
    cfg.version = *n;
}

// False when there is no document to speak of (empty, or not a mapping):
// then the cross-section checks would only add noise.
bool parse_document(Reader& r, const Node& root, Config& cfg) {
    if (root.is_null()) {
        r.error(root.loc, "", "the file is empty", "start with 'version: 1'");
        return false;
    }
    if (!root.is_map()) {
        r.error(root.loc, "", "the file must be a mapping of sections, got " + std::string(describe(root)),
                "start with 'version: 1'");
        return false;
    }
    r.check_keys(root, "", kTopKeys);
    parse_version(r, root, cfg);
    for (const auto& s : kSections)
        if (const Node* n = root.find(s.key)) s.parse(r, *n, cfg);
    set_firewall_defaults(cfg);
    auto builtins = builtin_sets();
    cfg.sets.insert(cfg.sets.end(), builtins.begin(), builtins.end());
    return true;
}

// A file is taken for a gateway config when one of its lines starts with a
// section key. Anything else (/etc/shadow handed to Apply, a key file) is
// not quoted back line by line: it may be someone's secret.
bool looks_like_config(std::string_view text) {
    for (std::size_t start = 0; start < text.size();) {
        auto end = text.find('\n', start);
        auto line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        for (auto key : kTopKeys)
            if (line.starts_with(key) && line.substr(key.size()).starts_with(':')) return true;
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return false;
}

}  // namespace

ParseResult parse_config(std::string_view text, std::string file, const HostFacts* host) {
    ParseResult result;
    Config cfg;
    cfg.file = std::move(file);
    Node root;
    if (!looks_like_config(text)) result.diagnostics.hide_source();
    if (load_yaml(text, root, result.diagnostics)) {
        Reader r(result.diagnostics);
        // Validators run even after errors: the operator wants every problem
        // at once. Entries whose own values were bad are still kept by name,
        // so the reference checks do not add noise about them.
        if (parse_document(r, root, cfg)) {
            validate_refs(r, cfg);
            validate_nat(r, cfg);
            validate_mape(r, cfg);
            validate_semantics(r, cfg, host);
            validate_ha(r, cfg, host);
            validate_lan_ipv6(r, cfg);
        }
    }
    result.diagnostics.sort();
    if (!result.diagnostics.has_errors()) result.config = std::move(cfg);
    return result;
}

}  // namespace gw::config
