// The target kernel of the offline verbs (check, render, explain): the
// options that name one, and otherwise a probe of the running kernel —
// the same probe gatewayd runs at start, so preview and apply agree. As
// root the probe runs in the current network namespace; as another user
// in a private user and network namespace of its own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/config/model.hpp"
#include "rules/facts.hpp"

namespace gw::ctl {

struct TargetKernelArgs {
    std::optional<std::string> features;  // --kernel-features LIST
    std::optional<std::string> release;   // --target-kernel RELEASE
};

enum class OptionResult { not_mine, taken, bad };

// `a` with its value in `next` (or as "--opt=value"); sets used_next when
// it took `next`.
OptionResult parse_target_kernel_option(std::string_view a, const std::string_view* next, TargetKernelArgs& out,
                                        bool& used_next);

inline constexpr std::string_view kTargetKernelUsage =
    "  --kernel-features LIST   preview for a kernel with these: broute, bridge-ct, br-netfilter (or none)\n"
    "  --target-kernel RELEASE  preview for a distribution kernel of this release (6.12, 6.1, ...)\n"
    "                           without either, the running kernel is probed\n";

struct Target {
    rules::KernelFeatures kernel;
    std::string source;  // "probed from the running kernel", "--target-kernel 6.12", ...
};

// The features to compile for; nullopt after printing why not (a bad
// option). A kernel that cannot be probed is said on stderr and taken as
// one with br_netfilter only.
std::optional<Target> target_kernel(const TargetKernelArgs& args);

// For explain: which kernel paths the walk assumed.
std::vector<std::string> target_notes(const config::Config& config, const Target& target);

}  // namespace gw::ctl
