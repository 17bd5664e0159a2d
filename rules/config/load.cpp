// yaml-cpp -> Node. yaml-cpp marks are 0-based; ours are 1-based. Aliases
// are expanded (yaml-cpp shares aliased nodes), so the expansion is capped
// to keep a "billion laughs" file from exhausting memory.
#include "rules/config/yaml_tree.hpp"

#include <yaml-cpp/yaml.h>

#include <map>

namespace gw::config {

namespace {

constexpr std::size_t kMaxNodes = 200000;
constexpr int kMaxDepth = 64;

Loc loc_of(const YAML::Mark& m) {
    if (m.line < 0 || m.column < 0) return {};
    return {m.line + 1, m.column + 1};
}

class Converter {
public:
    Converter(std::string_view text, Diagnostics& diags) : text_(text), diags_(diags) {}

    bool convert(const YAML::Node& in, Node& out, int depth) {
        if (++count_ > kMaxNodes) return fail(in, "document too large (aliases expand to too many nodes)");
        if (depth > kMaxDepth) return fail(in, "document nested too deeply");
        out.loc = loc_of(in.Mark());
        switch (in.Type()) {
        case YAML::NodeType::Scalar:
            out.kind = Node::Kind::scalar;
            out.text = in.Scalar();
            out.plain = in.Tag() == "?";
            return true;
        case YAML::NodeType::Sequence: return convert_sequence(in, out, depth);
        case YAML::NodeType::Map: return convert_map(in, out, depth);
        default:
            out.kind = Node::Kind::null;
            return true;
        }
    }

    // An empty value ("key:" then a newline) is marked by yaml-cpp at the
    // next token; point at the key instead, which is where the operator looks.
    void fix_null_loc(Node& value, const Node& key, const YAML::Mark& m) const {
        if (!value.is_null()) return;
        auto pos = static_cast<std::size_t>(m.pos);
        if (m.pos < 0 || pos >= text_.size()) {
            value.loc = key.loc;
            return;
        }
        char c = text_[pos];
        if (c != '~' && c != 'n' && c != 'N') value.loc = key.loc;
    }

private:
    bool fail(const YAML::Node& at, std::string message) {
        if (failed_) return false;
        failed_ = true;
        diags_.error(loc_of(at.Mark()), "", std::move(message));
        return false;
    }

    bool convert_sequence(const YAML::Node& in, Node& out, int depth) {
        out.kind = Node::Kind::sequence;
        for (const auto& item : in) {
            out.items.emplace_back();
            if (!convert(item, out.items.back(), depth + 1)) return false;
        }
        return true;
    }

    bool convert_map(const YAML::Node& in, Node& out, int depth) {
        out.kind = Node::Kind::map;
        std::map<std::string, Loc> seen;
        for (auto it = in.begin(); it != in.end(); ++it) {
            Node key, value;
            if (!convert(it->first, key, depth + 1)) return false;
            if (!convert(it->second, value, depth + 1)) return false;
            fix_null_loc(value, key, it->second.Mark());
            if (key.is_scalar()) report_duplicate(key, seen);
            out.entries.emplace_back(std::move(key), std::move(value));
        }
        return true;
    }

    void report_duplicate(const Node& key, std::map<std::string, Loc>& seen) {
        auto [pos, inserted] = seen.emplace(key.text, key.loc);
        if (inserted) return;
        diags_.error(key.loc, key.text, "duplicate key '" + key.text + "'",
                     "first defined at line " + std::to_string(pos->second.line));
    }

    std::string_view text_;
    Diagnostics& diags_;
    std::size_t count_ = 0;
    bool failed_ = false;
};

}  // namespace

const Node* Node::find_key(std::string_view key) const {
    for (const auto& [k, v] : entries)
        if (k.is_scalar() && k.text == key) return &k;
    return nullptr;
}

const Node* Node::find(std::string_view key) const {
    for (const auto& [k, v] : entries)
        if (k.is_scalar() && k.text == key) return &v;
    return nullptr;
}

std::string_view describe(const Node& n) {
    switch (n.kind) {
    case Node::Kind::null: return "nothing";
    case Node::Kind::sequence: return "a list";
    case Node::Kind::map: return "a mapping";
    case Node::Kind::scalar: break;
    }
    return n.plain ? "a scalar" : "a string";
}

bool load_yaml(std::string_view text, Node& out, Diagnostics& diags) {
    std::vector<YAML::Node> docs;
    try {
        docs = YAML::LoadAll(std::string(text));
    } catch (const YAML::Exception& e) {
        diags.error(loc_of(e.mark), "", "YAML syntax error: " + e.msg);
        return false;
    } catch (const std::exception& e) {
        diags.error({1, 1}, "", std::string("cannot read YAML: ") + e.what());
        return false;
    }
    if (docs.size() > 1) {
        diags.error(loc_of(docs[1].Mark()), "", "more than one YAML document in the file");
        return false;
    }
    out = Node{};
    out.loc = {1, 1};
    if (docs.empty()) return true;
    Converter conv(text, diags);
    try {
        return conv.convert(docs.front(), out, 0);
    } catch (const YAML::Exception& e) {
        diags.error(loc_of(e.mark), "", "YAML error: " + e.msg);
        return false;
    }
}

}  // namespace gw::config
