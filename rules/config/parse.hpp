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

// What is wrong with a file the config names; `missing` ones may still be
// created before gatewayd needs them.
struct FileProblem {
    std::string why;
    bool missing = false;
};

class HostFacts {
public:
    virtual ~HostFacts() = default;
    virtual bool user_exists(std::string_view name) const = 0;
    virtual bool group_exists(std::string_view name) const = 0;
    // Why `path` cannot be run (missing, not executable); nullopt when it can.
    // The defaults know nothing, so those checks pass.
    virtual std::optional<std::string> executable_problem(std::string_view path) const {
        (void)path;
        return std::nullopt;
    }
    // Why `path` is no place for a secret (missing, not a regular file,
    // readable by others than root); nullopt when it is fine or when this
    // user may not look (then it is no one's but root's).
    virtual std::optional<FileProblem> secret_file_problem(std::string_view path) const {
        (void)path;
        return std::nullopt;
    }
    // How many characters the secret in `path` has (trailing newlines
    // excluded); nullopt when it cannot be read here.
    virtual std::optional<std::size_t> secret_length(std::string_view path) const {
        (void)path;
        return std::nullopt;
    }
};

struct ParseResult {
    std::optional<Config> config;  // set iff !diagnostics.has_errors()
    Diagnostics diagnostics;
};

// `file` is only used to label diagnostics. `host` may be null: the checks
// that need it are skipped.
ParseResult parse_config(std::string_view text, std::string file, const HostFacts* host = nullptr);

}  // namespace gw::config
