// The kernel a config is previewed for. Every verb decides the kernel
// paths from one KernelFeatures value: probed from the running kernel, or
// named for another machine (`--kernel-features broute,bridge-ct` or
// `--target-kernel 6.12`). What the target cannot take is reported here,
// at its config line, with the same words apply refuses with, so a
// preview never silently drops a part of the file.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "rules/config/diag.hpp"
#include "rules/config/model.hpp"
#include "rules/facts.hpp"

namespace gw::rules {

// "broute,bridge-ct,br-netfilter,flowtable" (any subset; "none" for the empty set).
std::expected<KernelFeatures, std::string> parse_kernel_features(std::string_view list);
// A distribution kernel of this release ("6.12", "6.1.0-27-amd64"), with
// its modules available: meta broute from 6.4, nf_conntrack_bridge from
// 5.3, nf_flow_table from 4.16, br_netfilter always.
std::expected<KernelFeatures, std::string> features_of_release(std::string_view release);
// "meta broute, nf_conntrack_bridge, br_netfilter",
// "meta broute, nf_conntrack_bridge (no br_netfilter)",
// "none (no meta broute, nf_conntrack_bridge, br_netfilter)"
std::string describe_features(const KernelFeatures& kernel);

// What the target kernel cannot take: errors where apply would refuse the
// file, at the line it would refuse at.
void check_target(const config::Config& config, const KernelFeatures& kernel, config::Diagnostics& diags);

// One line per part of the config the compiled output leaves out on this
// kernel, and why ("ipv6.bridge-split at FILE:L:C: ..."); empty when
// nothing is left out.
std::vector<std::string> omissions(const config::Config& config, const KernelFeatures& kernel,
                                   std::string_view file);

}  // namespace gw::rules
