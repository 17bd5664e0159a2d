// A gateway.yaml text parsed for a netstate test: the test stops with the
// rendered diagnostics when the text is not a valid config.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "rules/config/diag.hpp"
#include "rules/config/parse.hpp"

namespace gw::test {

inline config::Config parse(const std::string& text) {
    auto r = config::parse_config(text, "gateway.yaml");
    INFO(config::render_diagnostics(r.diagnostics, "gateway.yaml", text));
    REQUIRE(r.config);
    return *r.config;
}

}  // namespace gw::test
