// The bad-config corpus: every tests/config/bad/NNN-name.yaml must produce
// exactly the diagnostics in NNN-name.expected (one rendered line each, file
// named by its basename). GW_REGOLDEN=1 rewrites the .expected files from
// the parser's output; review the diff before committing. The good configs
// and the examples must parse with no error and the good ones with no
// diagnostic at all.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

#include "rules/config/diag.hpp"
#include "tests/config/fixtures.hpp"

namespace fs = std::filesystem;
using gw::test::read_file;

namespace {

const fs::path kRoot = GW_SOURCE_ROOT;

std::string rendered(const gw::config::Diagnostics& diags, const std::string& name) {
    std::string out;
    for (const auto& d : diags.items()) out += gw::config::render_diagnostic_line(d, name) + "\n";
    return out;
}

bool regolden() {
    const char* v = std::getenv("GW_REGOLDEN");
    return v && std::string(v) == "1";
}

}  // namespace

TEST_CASE("bad configs produce exactly their expected diagnostics") {
    auto files = gw::test::yaml_files(kRoot / "tests/config/bad");
    REQUIRE(files.size() >= 60);
    gw::test::FixtureHost host;
    for (const auto& path : files) {
        std::string name = path.filename().string();
        INFO("fixture ", name);
        std::string text = read_file(path);
        bool marked = text.starts_with("# schema: reject\n") || text.starts_with("# schema: accept\n");
        CHECK_MESSAGE(marked, "first line must be '# schema: reject' or '# schema: accept'");
        auto result = gw::config::parse_config(text, name, &host);
        CHECK(result.config.has_value() == !result.diagnostics.has_errors());
        std::string actual = rendered(result.diagnostics, name);
        CHECK_MESSAGE(!actual.empty(), "a bad fixture must produce at least one diagnostic");
        fs::path expected_path = fs::path(path).replace_extension(".expected");
        if (regolden()) {
            std::ofstream(expected_path, std::ios::binary) << actual;
            continue;
        }
        REQUIRE_MESSAGE(fs::exists(expected_path), "missing ", expected_path.string());
        CHECK(actual == read_file(expected_path));
    }
}

TEST_CASE("every .expected file has its fixture") {
    for (const auto& e : fs::directory_iterator(kRoot / "tests/config/bad")) {
        if (e.path().extension() != ".expected") continue;
        INFO(e.path().string());
        CHECK(fs::exists(fs::path(e.path()).replace_extension(".yaml")));
    }
}

TEST_CASE("good configs parse without any diagnostic") {
    auto files = gw::test::yaml_files(kRoot / "tests/config/good");
    REQUIRE(files.size() >= 4);
    gw::test::FixtureHost host;
    for (const auto& path : files) {
        std::string name = path.filename().string();
        INFO("good config ", name);
        std::string text = read_file(path);
        auto result = gw::config::parse_config(text, name, &host);
        CHECK(result.config.has_value());
        CHECK(rendered(result.diagnostics, name) == "");
    }
}

TEST_CASE("examples parse without errors") {
    gw::test::FixtureHost host;
    for (const auto& path : gw::test::yaml_files(kRoot / "examples")) {
        std::string name = path.filename().string();
        INFO("example ", name);
        std::string text = read_file(path);
        auto result = gw::config::parse_config(text, name, &host);
        CHECK_MESSAGE(result.config.has_value(), gw::config::render_diagnostics(result.diagnostics, name, text));
    }
}
