// yaml-cpp events -> Node tree. The tree is built from the parser's event
// stream rather than from YAML::Node because yaml-cpp 0.7's LoadAll() loops
// forever (allocating documents until memory runs out) on a stray ',' at
// document level, and because aliases are shared there: building our own
// nodes lets us stop after one document and bound alias expansion, so no
// input can make `gwctl check` or a reload eat the machine.
// yaml-cpp marks are 0-based; ours are 1-based.
#include "rules/config/yaml_tree.hpp"

#include "rules/config/secrets.hpp"
#include "rules/config/text_checks.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <optional>
#include <span>
#include <spanstream>
#include <unordered_map>

namespace gw::config {

namespace {

constexpr std::size_t kMaxNodes = 200000;
constexpr std::size_t kMaxDepth = 64;

Loc loc_of(const YAML::Mark& m) {
    if (m.line < 0 || m.column < 0) return {};
    return {m.line + 1, m.column + 1};
}

std::size_t count_nodes(const Node& n) {
    std::size_t total = 1;
    for (const auto& i : n.items) total += count_nodes(i);
    for (const auto& [k, v] : n.entries) total += count_nodes(k) + count_nodes(v);
    return total;
}

class TreeBuilder final : public YAML::EventHandler {
public:
    TreeBuilder(std::string_view text, Diagnostics& diags) : text_(text), diags_(diags) {}

    bool failed() const { return failed_; }
    bool has_root() const { return has_root_; }
    Node take_root() { return std::move(root_); }
    Loc document_loc() const { return document_loc_; }
    // Whether the document began with an explicit "---" or "..." marker.
    bool explicit_start() const {
        auto rest = document_pos_ < text_.size() ? text_.substr(document_pos_) : std::string_view{};
        return rest.starts_with("---") || rest.starts_with("...");
    }

    void OnDocumentStart(const YAML::Mark& mark) override {
        document_loc_ = loc_of(mark);
        document_pos_ = mark.pos < 0 ? text_.size() : static_cast<std::size_t>(mark.pos);
    }
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        Loc loc = null_loc(mark);  // before place(): it reads the waiting key
        Node* n = place(loc);
        if (!n) return;
        n->loc = loc;
        finish(*n, anchor);
    }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        if (failed_) return;
        auto it = anchors_.find(anchor);
        if (it == anchors_.end()) return fail(loc_of(mark), "alias to an anchor that is not complete here");
        if (count_ + it->second.size > kMaxNodes)
            return fail(loc_of(mark), "aliases expand to more than " + std::to_string(kMaxNodes) + " nodes",
                        "an alias repeats its anchor's whole value; a config needs far fewer");
        count_ += it->second.size - 1;  // place() counts the root
        Node* n = place(it->second.node.loc);
        if (!n) return;
        *n = it->second.node;
        finish(*n, 0);
    }

    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        Loc loc = loc_of(mark);
        Node* n = place(loc);
        if (!n) return;
        n->kind = Node::Kind::scalar;
        n->loc = loc;
        n->text = value;
        n->plain = tag.size() == 1 && tag[0] == '?';  // yaml-cpp's tag of a plain scalar
        finish(*n, anchor);
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(Node::Kind::sequence, mark, anchor);
    }
    void OnSequenceEnd() override { close(); }

    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(Node::Kind::map, mark, anchor);
    }
    void OnMapEnd() override { close(); }

private:
    // An open sequence or mapping. Its node already sits where it belongs
    // (in its parent, or the root): nothing is added to the parent while it
    // is open, so the pointer stays valid.
    struct Frame {
        Node* node = nullptr;
        YAML::anchor_t anchor = 0;
        bool have_key = false;  // maps: the last entry's key is waiting for its value
        bool key_secret = false;  // that key names a secret (is_secret_key)
        // Keys seen, for duplicate detection; only filled once the mapping
        // has kLinearKeys entries: a config's mappings are mostly small
        // (a forward has four keys), and scanning them needs no copies.
        std::map<std::string, Loc> keys;
    };
    struct Anchored {
        Node node;
        std::size_t size = 0;
    };
    struct SeenKey {
        std::string text;
        bool secret = false;
    };

    void fail(Loc at, std::string message, std::string hint = {}) {
        if (!failed_) diags_.error(at, "", std::move(message), std::move(hint));
        failed_ = true;
    }

    // An empty value ("key:" then a newline) is marked at the next token;
    // point at the key instead, which is where the operator looks.
    Loc null_loc(const YAML::Mark& mark) const {
        if (stack_.empty() || !stack_.back().have_key) return loc_of(mark);
        auto pos = static_cast<std::size_t>(mark.pos);
        char c = mark.pos >= 0 && pos < text_.size() ? text_[pos] : '\n';
        if (c != '~' && c != 'n' && c != 'N') return stack_.back().node->entries.back().key.loc;
        return loc_of(mark);
    }

    // Counts one more node of the document (a scalar when it is read, a
    // sequence or mapping when it closes, as the limit was always counted).
    bool count(Loc at) {
        if (!failed_ && ++count_ <= kMaxNodes) return true;
        if (!failed_) too_large(at);
        return false;
    }

    // Out of count(), so that count() itself is small enough to inline.
    [[gnu::noinline]] void too_large(Loc at) {
        fail(at, "document too large: more than " + std::to_string(kMaxNodes) + " nodes",
             "a gateway config needs far fewer; is this the right file?");
    }

    // The empty node the next event fills, made where it belongs: the root,
    // the open sequence's next item, or the open mapping's next key or the
    // value of its waiting key. Built in place rather than aside and moved
    // in: moving each of 90,000 scalars into its parent (and a key once
    // more, into its entry) was a third of building the tree.
    Node& slot() {
        if (stack_.empty()) {
            has_root_ = true;
            return root_;
        }
        Frame& top = stack_.back();
        Node& parent = *top.node;
        if (parent.kind == Node::Kind::sequence) return parent.items.emplace_back();
        if (top.have_key) {
            top.have_key = false;
            return parent.entries.back().value;
        }
        // Most mappings are small (a forward has four keys): one allocation, not three.
        if (parent.entries.empty()) parent.entries.reserve(4);
        top.have_key = true;
        return parent.entries.emplace_back().key;
    }

    // slot() for a scalar, null or alias, which is counted as it is read.
    Node* place(Loc at) { return count(at) ? &slot() : nullptr; }

    void open(Node::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
        if (failed_) return;
        if (stack_.size() >= kMaxDepth) return fail(loc_of(mark), "document nested too deeply");
        Node& node = slot();
        node.kind = kind;
        node.loc = loc_of(mark);
        stack_.push_back(Frame{&node, anchor});
    }

    void close() {
        if (failed_ || stack_.empty()) return;
        Node& node = *stack_.back().node;
        auto anchor = stack_.back().anchor;
        stack_.pop_back();
        if (count(node.loc)) finish(node, anchor);
    }

    // After node `n` is complete: remembers an anchored one; in a mapping,
    // checks a key for a secret, and a value's key for a duplicate.
    void finish(const Node& n, YAML::anchor_t anchor) {
        if (anchor != 0) anchors_[anchor] = Anchored{n, count_nodes(n)};
        if (stack_.empty() || stack_.back().node->kind != Node::Kind::map) return;
        Frame& top = stack_.back();
        const MapEntry& entry = top.node->entries.back();
        if (top.have_key) {
            top.key_secret = n.is_scalar() && secret_key(n.text);
            if (top.key_secret) diags_.hide_lines(n.loc.line, n.loc.line);
            return;
        }
        if (entry.key.is_scalar()) report_duplicate(top);
        if (top.key_secret) hide_secret(entry.key, entry.value);
    }

    // is_secret_key, remembered: a config repeats a few keys (a forward's
    // name, proto, port, to) thousands of times. The items of a list repeat
    // their keys in order, so the key the previous mapping at this depth had
    // at this position is compared first, which is one string compare; then
    // the keys seen anywhere, hashed (hashing each of 45,000 keys was half
    // the cost of this check).
    bool secret_key(const std::string& key) {
        SeenKey* same_place = seen_at(stack_.size() - 1, stack_.back().node->entries.size() - 1);
        if (same_place && same_place->text == key) return same_place->secret;
        bool secret = remembered_secret(key);
        if (same_place) *same_place = {key, secret};
        return secret;
    }

    // The slot for the key at `position` of a mapping at `depth`; none for
    // positions past the first few (they seldom repeat).
    SeenKey* seen_at(std::size_t depth, std::size_t position) {
        constexpr std::size_t kPositions = 16;
        if (position >= kPositions) return nullptr;
        if (seen_at_.size() <= depth) seen_at_.resize(depth + 1);
        auto& row = seen_at_[depth];
        if (row.size() <= position) row.resize(position + 1);
        return &row[position];
    }

    bool remembered_secret(const std::string& key) {
        constexpr std::size_t kMaxRemembered = 64;
        if (auto it = secret_keys_.find(key); it != secret_keys_.end()) return it->second;
        bool secret = is_secret_key(key);
        if (secret_keys_.size() < kMaxRemembered) secret_keys_.emplace(key, secret);
        return secret;
    }

    // The key's line through the last line the value can reach (a block or
    // quoted scalar may run over several).
    void hide_secret(const Node& key, const Node& value) {
        int last = std::max(key.loc.line, value.loc.line);
        // A block scalar is marked at its indicator line, one line above
        // its first content line: each newline in its text is one more line.
        if (value.is_scalar()) last += static_cast<int>(std::count(value.text.begin(), value.text.end(), '\n'));
        else last = std::max(last, last_line(value));
        diags_.hide_lines(key.loc.line, last);
    }

    static int last_line(const Node& n) {
        int last = n.loc.line;
        for (const auto& i : n.items) last = std::max(last, last_line(i));
        for (const auto& [k, v] : n.entries) last = std::max({last, last_line(k), last_line(v)});
        return last;
    }

    // Where the key of the frame's last entry was first defined, if it was.
    static std::optional<Loc> earlier_key(Frame& f) {
        constexpr std::size_t kLinearKeys = 16;
        const auto& entries = f.node->entries;
        const Node& key = entries.back().key;
        auto before = std::span(entries).first(entries.size() - 1);
        if (before.size() < kLinearKeys) {
            for (const auto& e : before)
                if (e.key.is_scalar() && e.key.text == key.text) return e.key.loc;
            return std::nullopt;
        }
        if (f.keys.empty())
            for (const auto& e : before)
                if (e.key.is_scalar()) f.keys.emplace(e.key.text, e.key.loc);
        auto [pos, inserted] = f.keys.emplace(key.text, key.loc);
        if (inserted) return std::nullopt;
        return pos->second;
    }

    void report_duplicate(Frame& f) {
        auto at = earlier_key(f);
        if (!at) return;
        const Node& key = f.node->entries.back().key;
        auto first = "first defined at line " + std::to_string(at->line);
        if (!diags_.may_quote(key.loc.line)) return diags_.error(key.loc, "", "duplicate key", first);
        diags_.error(key.loc, key.text, "duplicate key '" + key.text + "'", first);
    }

    std::string_view text_;
    Diagnostics& diags_;
    std::vector<Frame> stack_;
    std::map<YAML::anchor_t, Anchored> anchors_;
    std::unordered_map<std::string, bool> secret_keys_;
    std::vector<std::vector<SeenKey>> seen_at_;  // [depth][position]: see secret_key()
    Node root_;
    bool has_root_ = false;
    Loc document_loc_;
    std::size_t document_pos_ = 0;
    std::size_t count_ = 0;
    bool failed_ = false;
};

// Parses the first document into `out`, then checks that what follows is at
// most a few empty documents ("---" alone). The loop is bounded: see the top
// of this file for why yaml-cpp cannot be left to loop on its own.
bool parse_documents(std::string_view text, Node& out, Diagnostics& diags) {
    constexpr int kMaxEmptyDocuments = 8;
    std::ispanstream in{std::span<const char>(text.data(), text.size())};  // the text, not a copy of it
    YAML::Parser parser(in);
    TreeBuilder first(text, diags);
    if (!parser.HandleNextDocument(first)) return true;  // no document at all: an empty file
    if (first.failed()) return false;
    if (first.has_root()) out = first.take_root();
    for (int i = 0; i < kMaxEmptyDocuments; ++i) {
        TreeBuilder next(text, diags);
        if (!parser.HandleNextDocument(next)) return true;
        if (next.failed()) return false;
        bool empty = !next.has_root() || next.take_root().is_null();
        if (empty && next.explicit_start()) continue;
        diags.error(next.document_loc(), "",
                    empty ? "YAML syntax error: unexpected text after the document"
                          : "more than one YAML document in the file");
        return false;
    }
    diags.error(first.document_loc(), "", "YAML syntax error: too many empty documents");
    return false;
}

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
    out = Node{};
    out.loc = {1, 1};
    if (!check_text(text, diags)) return false;
    try {
        return parse_documents(text, out, diags);
    } catch (const YAML::Exception& e) {
        diags.error(loc_of(e.mark), "", "YAML syntax error: " + e.msg);
    } catch (const std::exception& e) {
        diags.error({1, 1}, "", std::string("cannot read YAML: ") + e.what());
    }
    return false;
}

}  // namespace gw::config
