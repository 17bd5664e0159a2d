// The YAML boundary: 1-based marks, empty values pointing at their key,
// duplicate keys, syntax errors and alias expansion limits.
#include <doctest/doctest.h>

#include <string>

#include "rules/config/yaml_tree.hpp"

using namespace gw::config;

TEST_CASE("marks are 1-based and scalars remember whether they were quoted") {
    Node root;
    Diagnostics d;
    REQUIRE(load_yaml("a: 1\nb:\n  - \"x\"\n", root, d));
    REQUIRE(root.is_map());
    CHECK(root.entries[0].key.loc == Loc{1, 1});
    CHECK(root.entries[0].value.loc == Loc{1, 4});
    CHECK(root.entries[0].value.plain);
    const Node* b = root.find("b");
    REQUIRE(b);
    REQUIRE(b->is_sequence());
    CHECK(b->items[0].loc == Loc{3, 5});
    CHECK_FALSE(b->items[0].plain);
    CHECK(d.items().empty());
}

TEST_CASE("an empty value is located at its key, not at the next line") {
    Node root;
    Diagnostics d;
    REQUIRE(load_yaml("a:\nb: ~\n", root, d));
    CHECK(root.find("a")->is_null());
    CHECK(root.find("a")->loc == Loc{1, 1});
    CHECK(root.find("b")->loc == Loc{2, 4});
}

TEST_CASE("duplicate keys are errors at the second key") {
    Node root;
    Diagnostics d;
    load_yaml("x: 1\ny: 2\nx: 3\n", root, d);
    REQUIRE(d.items().size() == 1);
    CHECK(d.items()[0].loc == Loc{3, 1});
    CHECK(d.items()[0].message == "duplicate key 'x'");
}

TEST_CASE("duplicate keys are found in large mappings too, each at its first definition") {
    // Past a few keys the loader keeps an index of them rather than
    // scanning the entries; both ways must name the first definition.
    std::string text;
    for (int i = 0; i < 40; ++i) text += "k" + std::to_string(i) + ": " + std::to_string(i) + "\n";
    text += "k1: again\n";   // line 41, first at line 2
    text += "k30: again\n";  // line 42, first at line 31
    text += "k1: thrice\n";  // line 43, still first at line 2
    Node root;
    Diagnostics d;
    load_yaml(text, root, d);
    REQUIRE(d.items().size() == 3);
    CHECK(d.items()[0].loc == Loc{41, 1});
    CHECK(d.items()[0].message == "duplicate key 'k1'");
    CHECK(d.items()[0].hint == "first defined at line 2");
    CHECK(d.items()[1].loc == Loc{42, 1});
    CHECK(d.items()[1].hint == "first defined at line 31");
    CHECK(d.items()[2].loc == Loc{43, 1});
    CHECK(d.items()[2].hint == "first defined at line 2");
}

TEST_CASE("syntax errors and multiple documents fail the load") {
    Node root;
    Diagnostics d1, d2;
    CHECK_FALSE(load_yaml("a: [1, 2\n", root, d1));
    CHECK(d1.has_errors());
    CHECK_FALSE(load_yaml("a: 1\n---\nb: 2\n", root, d2));
    CHECK(d2.items().at(0).message == "more than one YAML document in the file");
}

TEST_CASE("alias expansion is capped") {
    // Each level refers to the previous one nine times: 9^8 nodes if expanded.
    std::string text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n";
    std::string prev = "a";
    for (char c = 'b'; c <= 'i'; ++c) {
        text += std::string(1, c) + ": &" + c + " [";
        for (int i = 0; i < 9; ++i) text += (i ? ", *" : "*") + prev;
        text += "]\n";
        prev = std::string(1, c);
    }
    Node root;
    Diagnostics d;
    CHECK_FALSE(load_yaml(text, root, d));
    REQUIRE(d.items().size() == 1);
    CHECK(d.items()[0].message == "aliases expand to more than 200000 nodes");
}

TEST_CASE("a large document without any alias is not blamed on aliases") {
    std::string text = "a: [";
    for (int i = 0; i < 200001; ++i) text += i ? ",1" : "1";
    text += "]\n";
    Node root;
    Diagnostics d;
    CHECK_FALSE(load_yaml(text, root, d));
    REQUIRE(d.items().size() == 1);
    CHECK(d.items()[0].message == "document too large: more than 200000 nodes");
    CHECK(d.items()[0].message.find("alias") == std::string::npos);
}

TEST_CASE("deep nesting is refused, not a stack overflow") {
    std::string text = "a: " + std::string(500, '[') + std::string(500, ']') + "\n";
    Node root;
    Diagnostics d;
    CHECK_FALSE(load_yaml(text, root, d));
    CHECK(d.has_errors());
}
