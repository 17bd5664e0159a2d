// What a hostile or mistaken file gets back: invalid UTF-8 and NUL bytes
// refused at their line:col without quoting the line; a secret's line never
// quoted; a file that is not a gateway config never quoted; at most
// kMaxPrintedDiagnostics printed, the rest counted.
#include <doctest/doctest.h>

#include "rules/config/parse.hpp"
#include "rules/config/text_checks.hpp"

using namespace gw::config;

namespace {

std::string rendered(const std::string& text) {
    auto r = parse_config(text, "t.yaml");
    return render_diagnostics(r.diagnostics, "t.yaml", text);
}

const Diagnostic& first(const ParseResult& r) {
    REQUIRE_FALSE(r.diagnostics.items().empty());
    return r.diagnostics.items().front();
}

const char* kPppoe =
    "version: 1\n"
    "uplinks:\n"
    "  isp:\n"
    "    kind: pppoe\n"
    "    device: wan0\n"
    "    username: USER\n"
    "    password-file: /etc/gatewayd/isp.password\n";

std::string pppoe_with(const std::string& from, const std::string& to) {
    std::string text = kPppoe;
    text.replace(text.find(from), from.size(), to);
    return text;
}

}  // namespace

TEST_CASE("invalid UTF-8 is refused at its line:col, wherever it is, and not quoted") {
    struct Case {
        const char* what;
        std::string text;
        Loc at;
    };
    Case cases[] = {
        {"in a value", pppoe_with("USER", "user\xff\xfe@isp"), {6, 19}},
        {"in a comment only", std::string(kPppoe) + "# caf\xe9\n", {8, 6}},
        {"overlong encoding", pppoe_with("wan0", "wan\xc0\xaf"), {5, 16}},
        {"UTF-16 surrogate", pppoe_with("USER", "u\xed\xa0\x80"), {6, 16}},
        {"past U+10FFFF", pppoe_with("USER", "u\xf4\x90\x80\x80"), {6, 16}},
        {"truncated at the end", std::string(kPppoe) + "#\xe2\x82", {8, 2}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        auto r = parse_config(c.text, "t.yaml");
        CHECK_FALSE(r.config);
        CHECK(first(r).loc == c.at);
        CHECK(first(r).message.starts_with("invalid UTF-8"));
        auto out = render_diagnostics(r.diagnostics, "t.yaml", c.text);
        CHECK(out.find("  ^") == std::string::npos);  // no excerpt: the line is not text
    }
    auto good = parse_config(pppoe_with("USER", "j\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x98\x80"), "t.yaml");
    for (const auto& d : good.diagnostics.items()) CHECK(d.message.find("UTF-8") == std::string::npos);
}

TEST_CASE("utf8_sequence_length follows RFC 3629") {
    CHECK(utf8_sequence_length("a", 0) == 1);
    CHECK(utf8_sequence_length("\xc3\xa9", 0) == 2);
    CHECK(utf8_sequence_length("\xe2\x82\xac", 0) == 3);
    CHECK(utf8_sequence_length("\xf0\x9f\x98\x80", 0) == 4);
    CHECK(utf8_sequence_length("\xc1\xbf", 0) == 0);      // overlong
    CHECK(utf8_sequence_length("\xe0\x80\xaf", 0) == 0);  // overlong
    CHECK(utf8_sequence_length("\xed\xbf\xbf", 0) == 0);  // surrogate
    CHECK(utf8_sequence_length("\xf4\x90\x80\x80", 0) == 0);
    CHECK(utf8_sequence_length("\xe2\x82", 0) == 0);
    CHECK(utf8_sequence_length("\x80", 0) == 0);
}

TEST_CASE("a secret's line is never quoted back") {
    const std::string secret = "hunter2-never-shown";
    for (const auto& text : {pppoe_with("    password-file: /etc/gatewayd/isp.password\n", "    password: " + secret + "\n"),
                             pppoe_with("    password-file: /etc/gatewayd/isp.password\n",
                                        "    password: |\n      " + secret + "\n"),
                             pppoe_with("/etc/gatewayd/isp.password", secret),  // a password pasted in the wrong key
                             pppoe_with("    username: USER\n", "    username: USER\n    pasword: " + secret + "\n"),
                             std::string(kPppoe) + "    password: " + secret + "\n    password: again\n"}) {
        CAPTURE(text);
        auto out = rendered(text);
        CHECK(out.find("error") != std::string::npos);
        CHECK(out.find(secret) == std::string::npos);
    }
    // Other lines are still quoted.
    auto out = rendered(pppoe_with("wan0", "wan 0"));
    CHECK(out.find("    device: wan 0\n") != std::string::npos);
}

TEST_CASE("a file that is not a gateway config is not quoted back") {
    for (std::string text : {"root:$6$SECRETHASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n",
                             "DB_PASSWORD: SECRETHASH\nDB_USER: app\n",
                             "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRETHASH\n-----END OPENSSH PRIVATE KEY-----\n",
                             "[section]\nkey = SECRETHASH\n", "SECRETHASH: [unclosed\n"}) {
        CAPTURE(text);
        auto r = parse_config(text, "t.yaml");
        CHECK_FALSE(r.config);
        auto out = render_diagnostics(r.diagnostics, "t.yaml", text);
        CHECK(out.find("t.yaml:") != std::string::npos);
        CHECK(out.find("SECRETHASH") == std::string::npos);
        CHECK(render_diagnostics_json(r.diagnostics, "t.yaml").find("SECRETHASH") == std::string::npos);
    }
}

TEST_CASE("thousands of errors: the first ones printed, the rest counted") {
    std::string text = "version: 1\nfirewall:\n  input:\n    rules:\n";
    for (int i = 0; i < 3000; ++i) text += "      - {name: r" + std::to_string(i) + ", action: nope}\n";
    auto r = parse_config(text, "t.yaml");
    auto n = r.diagnostics.items().size();
    REQUIRE(n > kMaxPrintedDiagnostics);
    auto out = render_diagnostics(r.diagnostics, "t.yaml", text);
    CHECK(out.ends_with("\xe2\x80\xa6 and " + std::to_string(n - kMaxPrintedDiagnostics) + " more\n"));
    std::size_t printed = 0;
    for (auto at = out.find("t.yaml:"); at != std::string::npos; at = out.find("t.yaml:", at + 1)) ++printed;
    CHECK(printed == kMaxPrintedDiagnostics);
    auto json = render_diagnostics_json(r.diagnostics, "t.yaml");
    CHECK(json.find("\"omitted\":" + std::to_string(n - kMaxPrintedDiagnostics)) != std::string::npos);
}

TEST_CASE("a PPPoE username is non-empty text") {
    for (const char* bad : {"''", "\"user\\n@isp\"", "\"a\\u0007b\""}) {
        CAPTURE(bad);
        auto r = parse_config(pppoe_with("USER", bad), "t.yaml");
        CHECK_FALSE(r.config);
        CHECK(first(r).message == "the username must be non-empty text without control characters");
    }
}
