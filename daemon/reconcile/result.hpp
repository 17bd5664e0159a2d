// What one reconcile found and did: whether the kernel differed from the
// config, the differences as text (nft unified diff, `ip`-like netlink
// lines), and every error with the config position behind it, classified
// transient (retry later) or fatal (the config or the kernel must change).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/config/source.hpp"
#include "rules/facts.hpp"
#include "rules/nft/diff.hpp"

namespace gw::reconcile {

enum class Mode {
    diff,   // observe and compare; send nothing
    check,  // as diff, and let the kernel validate the nft batch without committing it
    apply,  // make the kernel equal to the config
};

struct Problem {
    std::string message;  // without position: "kernel rejected add rule ...: Invalid argument"
    config::Loc loc;      // config value behind it; unknown when none
    bool transient = false;
};

struct ReconcileResult {
    bool changed = false;  // apply: the kernel was changed; diff/check: it would be
    nft::ChangeKind nft_change = nft::ChangeKind::none;
    bool nft_in_sync = false;  // the kernel holds the wanted ruleset (now, after apply)
    std::string nft_diff;      // unified diff of gatewayd's tables, "" when equal
    std::string net_diff;      // "+address ..." / "-route ..." lines, "" when equal
    std::size_t net_applied = 0;
    bool from_view = false;  // planned on the last apply's view: gatewayd's tables were not read
    std::vector<Problem> errors;
    rules::Facts facts;  // what the compile was given (uplink addresses, uids, ...)

    bool ok() const { return errors.empty(); }
    bool fatal() const;      // some error retrying cannot fix
    bool transient() const { return !errors.empty() && !fatal(); }
    // nft diff, then the netlink lines under a "netlink:" heading; "" when no change.
    std::string diff_text() const;
    // One "file:line:col: message" line per error (position left out when unknown).
    std::string describe_errors(std::string_view file) const;
    // One line for logs and STATUS=: "no change", "applied: 3 nft + 2 netlink changes", ...
    std::string summary(Mode mode) const;
};

// "file:line:col: message" per problem (no position when it has none), a
// transient one marked "(will retry)".
std::string describe_problems(const std::vector<Problem>& problems, std::string_view file);

}  // namespace gw::reconcile
