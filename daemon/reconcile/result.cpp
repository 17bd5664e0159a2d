#include "daemon/reconcile/result.hpp"

#include "rules/plan/plan.hpp"

namespace gw::reconcile {

bool ReconcileResult::fatal() const {
    for (const auto& e : errors)
        if (!e.transient) return true;
    return false;
}

std::string ReconcileResult::diff_text() const {
    return plan::render_changes(nft_diff, net_diff);
}

std::string ReconcileResult::describe_errors(std::string_view file) const {
    return describe_problems(errors, file);
}

std::string describe_problems(const std::vector<Problem>& problems, std::string_view file) {
    std::string out;
    for (const auto& e : problems) {
        if (e.loc.known())
            out += std::string(file) + ":" + std::to_string(e.loc.line) + ":" + std::to_string(e.loc.col) + ": ";
        out += e.message;
        if (e.transient) out += " (will retry)";
        out += '\n';
    }
    return out;
}

std::string ReconcileResult::summary(Mode mode) const {
    if (fatal()) return "failed: " + errors.front().message;
    std::string what;
    auto add = [&](const std::string& part) { what += (what.empty() ? "" : ", ") + part; };
    if (nft_change == nft::ChangeKind::structure) add("nft ruleset replaced");
    else if (nft_change == nft::ChangeKind::elements) add("nft set elements updated");
    if (!net_diff.empty())
        add(mode == Mode::apply ? std::to_string(net_applied) + " netlink changes" : "netlink changes");
    if (what.empty()) what = "no change";
    else if (mode != Mode::apply) what = "would change: " + what;
    if (!errors.empty()) what += "; " + std::to_string(errors.size()) + " transient errors, retrying";
    return what;
}

}  // namespace gw::reconcile
