#include "rules/target_kernel.hpp"

#include <charconv>

#include "rules/split_path.hpp"

namespace gw::rules {
namespace {

struct FeatureName {
    std::string_view name;
    bool KernelFeatures::*flag;
};

constexpr FeatureName kFeatureNames[] = {
    {"broute", &KernelFeatures::broute},
    {"bridge-ct", &KernelFeatures::bridge_conntrack},
    {"bridge-conntrack", &KernelFeatures::bridge_conntrack},
    {"br-netfilter", &KernelFeatures::br_netfilter},
    {"flowtable", &KernelFeatures::flowtable},
};

bool set_feature(KernelFeatures& k, std::string_view name) {
    for (const auto& f : kFeatureNames)
        if (f.name == name) {
            k.*f.flag = true;
            return true;
        }
    return false;
}

std::string at(std::string_view file, config::Loc loc) {
    return std::string(file) + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col);
}

}  // namespace

std::expected<KernelFeatures, std::string> parse_kernel_features(std::string_view list) {
    KernelFeatures k;
    k.br_netfilter = false;
    if (list == "none") return k;
    while (!list.empty()) {
        auto comma = list.find(',');
        auto name = list.substr(0, comma);
        if (!set_feature(k, name))
            return std::unexpected("unknown kernel feature '" + std::string(name) +
                                   "' (known: broute, bridge-ct, br-netfilter, flowtable, or none)");
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    return k;
}

std::expected<KernelFeatures, std::string> features_of_release(std::string_view release) {
    unsigned major = 0, minor = 0;
    const char* end = release.data() + release.size();
    auto r1 = std::from_chars(release.data(), end, major);
    bool ok = r1.ec == std::errc{} && r1.ptr != end && *r1.ptr == '.';
    if (ok) ok = std::from_chars(r1.ptr + 1, end, minor).ec == std::errc{};
    if (!ok) return std::unexpected("invalid kernel release '" + std::string(release) + "' (like 6.12 or 6.1.0-27-amd64)");
    auto at_least = [&](unsigned a, unsigned b) { return major > a || (major == a && minor >= b); };
    KernelFeatures k;
    k.broute = at_least(6, 4);
    k.bridge_conntrack = at_least(5, 3);
    k.br_netfilter = true;
    k.flowtable = at_least(4, 16);
    return k;
}

std::string describe_features(const KernelFeatures& k) {
    std::string have, lack;
    auto add = [](std::string& s, const char* name) { s += (s.empty() ? "" : ", ") + std::string(name); };
    add(k.broute ? have : lack, "meta broute");
    add(k.bridge_conntrack ? have : lack, "nf_conntrack_bridge");
    add(k.br_netfilter ? have : lack, "br_netfilter");
    if (lack.empty()) return have;
    return (have.empty() ? std::string("none") : have) + " (no " + lack + ")";
}

void check_target(const config::Config& config, const KernelFeatures& kernel, config::Diagnostics& diags) {
    auto refusal = split_refusal(config, kernel);
    if (!refusal) return;
    bool at_fallback = config.ipv6.bridge_split->fallback.loc == refusal->loc;
    diags.error(refusal->loc, at_fallback ? "ipv6.bridge-split.fallback" : "ipv6.bridge-split",
                refusal->message, "the target kernel has " + describe_features(kernel));
}

std::vector<std::string> omissions(const config::Config& config, const KernelFeatures& kernel,
                                   std::string_view file) {
    std::vector<std::string> out;
    if (auto refusal = split_refusal(config, kernel))
        out.push_back("ipv6.bridge-split at " + at(file, refusal->loc) +
                      " is left out (no bridge table, no split filter, no bridge link), and apply "
                      "refuses the file: " + refusal->message);
    if (auto fast = config.fast_path_switch(); fast && !kernel.flowtable)
        out.push_back("fast-path at " + at(file, *fast) +
                      " is left out (no flowtable, no flow offload): the kernel has no nf_flow_table, "
                      "so every forwarded packet takes the forward chain");
    return out;
}

}  // namespace gw::rules
