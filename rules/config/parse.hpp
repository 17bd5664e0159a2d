// gateway.yaml text -> validated Config. Every problem found is collected
// (never thrown); a Config is returned only when there is no error, so no
// caller can act on a half-valid file. Facts about the host that validation
// wants (do these users exist?) come in through HostFacts: this layer does
// no I/O of its own.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rules/config/diag.hpp"
#include "rules/config/model.hpp"

namespace gw::config {

class HostFacts {
public:
    virtual ~HostFacts() = default;
    virtual bool user_exists(std::string_view name) const = 0;
    virtual bool group_exists(std::string_view name) const = 0;
};

struct ParseResult {
    std::optional<Config> config;  // set iff !diagnostics.has_errors()
    Diagnostics diagnostics;
};

// `file` is only used to label diagnostics. `host` may be null: the checks
// that need it are skipped.
ParseResult parse_config(std::string_view text, std::string file, const HostFacts* host = nullptr);

}  // namespace gw::config
