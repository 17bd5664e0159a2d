// Sets and maps -> nftnl_set + elements, as nft 1.0.6 declares them: key
// and data types as concatenated datatype ids, `typeof` and byte order in
// set userdata (so `nft list` prints them as the renderer writes them),
// interval sets as start elements plus an interval-end element one past
// each range (and a leading end element at zero), concatenated intervals
// as key/key-end pairs with the field lengths in the set description, and
// a counting set's counter as the set's expression, which the kernel copies
// into each element added without one (elem_counter()).
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <new>

#include "daemon/kernel/nft/encode.hpp"
#include "daemon/kernel/nft/key_codec.hpp"

namespace gw::kernel {

namespace {

using nft::Key;

constexpr std::uint32_t kUdataMax = 256;  // nft's NFT_USERDATA_MAXLEN
constexpr std::uint32_t kExprConcat = 13; // nft's EXPR_CONCAT
constexpr std::uint32_t kExprVerdict = 1;  // nft's EXPR_VERDICT

std::vector<std::uint32_t> padded_lengths(const std::vector<Key>& keys) {
    std::vector<std::uint32_t> out;
    for (auto k : keys) out.push_back(key_padded_length(k));
    return out;
}

struct Shape {
    Shape(std::vector<Key> key_parts, std::vector<Key> data_parts)
        : key(std::move(key_parts)), data(std::move(data_parts)),
          key_padded(padded_lengths(key)), data_padded(padded_lengths(data)) {}

    std::vector<Key> key;
    std::vector<Key> data;
    // Each part's length padded to a register (key_padded_length), for
    // concat_bytes(): looked up once per set rather than for each part of
    // each element (70,000 times for 10,000 forwards).
    std::vector<std::uint32_t> key_padded;
    std::vector<std::uint32_t> data_padded;
    bool verdict = false;
    bool interval = false;
    bool counter = false;
    bool anonymous = false;
    std::uint32_t modulus = 0;  // a numgen key's
    bool map() const { return verdict || !data.empty(); }
    bool concat_interval() const { return interval && key.size() > 1; }
};

NftSetPtr alloc_set() {
    NftSetPtr s(nftnl_set_alloc());
    if (!s) throw std::bad_alloc();
    return s;
}

NftSetElemPtr alloc_elem() {
    NftSetElemPtr e(nftnl_set_elem_alloc());
    if (!e) throw std::bad_alloc();
    return e;
}

NftUdataPtr alloc_udata() {
    NftUdataPtr u(nftnl_udata_buf_alloc(kUdataMax));
    if (!u) throw std::bad_alloc();
    return u;
}

NftExprPtr counter_expr(const nft::Counter& c) {
    NftExprPtr e(nftnl_expr_alloc("counter"));
    if (!e) throw std::bad_alloc();
    if (c.packets || c.bytes) {
        nftnl_expr_set_u64(e.get(), NFTNL_EXPR_CTR_PACKETS, c.packets);
        nftnl_expr_set_u64(e.get(), NFTNL_EXPR_CTR_BYTES, c.bytes);
    }
    return e;
}

void put_key_typeof(nftnl_udata_buf* u, Key key, std::uint32_t modulus) {
    const auto& enc = key_encoding(key);
    nftnl_udata_put_u32(u, NFTNL_UDATA_SET_TYPEOF_EXPR, enc.typeof_etype);
    auto* data = nftnl_udata_nest_start(u, NFTNL_UDATA_SET_TYPEOF_DATA);
    if (key == Key::numgen_inc) {
        // nft's numgen fields: type (0: inc), modulus, offset
        const std::uint32_t fields[] = {0, modulus, 0};
        for (std::uint8_t i = 0; i < 3; ++i) nftnl_udata_put_u32(u, i, fields[i]);
    }
    for (int i = 0; i < enc.typeof_fields; ++i)
        nftnl_udata_put_u32(u, static_cast<std::uint8_t>(i), enc.typeof_data[static_cast<std::size_t>(i)]);
    nftnl_udata_nest_end(u, data);
}

// `typeof a . b`: the concatenation wraps one nest per part.
void put_typeof(nftnl_udata_buf* u, std::uint8_t type, const std::vector<Key>& keys, std::uint32_t modulus = 0) {
    auto* outer = nftnl_udata_nest_start(u, type);
    if (keys.size() == 1) {
        put_key_typeof(u, keys.front(), modulus);
    } else {
        nftnl_udata_put_u32(u, NFTNL_UDATA_SET_TYPEOF_EXPR, kExprConcat);
        auto* data = nftnl_udata_nest_start(u, NFTNL_UDATA_SET_TYPEOF_DATA);
        for (std::size_t i = 0; i < keys.size(); ++i) {
            auto* part = nftnl_udata_nest_start(u, static_cast<std::uint8_t>(i));
            put_key_typeof(u, keys[i], 0);
            nftnl_udata_nest_end(u, part);
        }
        nftnl_udata_nest_end(u, data);
    }
    nftnl_udata_nest_end(u, outer);
}

// `: verdict` in a typeof declaration: the verdict expression, no fields.
void put_verdict_typeof(nftnl_udata_buf* u) {
    auto* outer = nftnl_udata_nest_start(u, NFTNL_UDATA_SET_DATA_TYPEOF);
    nftnl_udata_put_u32(u, NFTNL_UDATA_SET_TYPEOF_EXPR, kExprVerdict);
    nftnl_udata_nest_end(u, nftnl_udata_nest_start(u, NFTNL_UDATA_SET_TYPEOF_DATA));
    nftnl_udata_nest_end(u, outer);
}

std::uint32_t byteorder_of(const std::vector<Key>& keys) {
    return keys.size() == 1 ? key_byteorder(keys.front()) : 0;
}

void set_userdata(nftnl_set* s, const Shape& shape, const std::string& comment) {
    auto u = alloc_udata();
    nftnl_udata_put_u32(u.get(), NFTNL_UDATA_SET_KEYBYTEORDER, byteorder_of(shape.key));
    if (shape.map()) nftnl_udata_put_u32(u.get(), NFTNL_UDATA_SET_DATABYTEORDER, byteorder_of(shape.data));
    // nft merges adjacent ranges of inline sets, and says so.
    if (shape.anonymous && shape.interval) nftnl_udata_put_u32(u.get(), NFTNL_UDATA_SET_MERGE_ELEMENTS, 1);
    // nft 1.0.6 leaves the key's typeof out of inline maps only.
    if (!(shape.anonymous && shape.map())) put_typeof(u.get(), NFTNL_UDATA_SET_KEY_TYPEOF, shape.key, shape.modulus);
    if (!shape.data.empty()) put_typeof(u.get(), NFTNL_UDATA_SET_DATA_TYPEOF, shape.data);
    if (shape.verdict) put_verdict_typeof(u.get());
    if (shape.map()) nftnl_udata_put_u32(u.get(), NFTNL_UDATA_SET_DATA_INTERVAL, 0);
    if (!comment.empty()) nftnl_udata_put_strz(u.get(), NFTNL_UDATA_SET_COMMENT, comment.c_str());
    nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u.get()),
                       nftnl_udata_buf_len(u.get()));
}

std::uint32_t set_flags(const Shape& shape) {
    std::uint32_t flags = 0;
    if (shape.anonymous) flags |= NFT_SET_ANONYMOUS | NFT_SET_CONSTANT;
    if (shape.interval) flags |= NFT_SET_INTERVAL;
    if (shape.map()) flags |= NFT_SET_MAP;
    if (shape.concat_interval()) flags |= NFT_SET_CONCAT;
    return flags;
}

// The set itself, without elements; `id` links it to its users in the batch.
NftSetPtr declare(const nft::Table& table, const std::string& name, const Shape& shape,
                  std::uint32_t id, const std::string& comment) {
    auto s = alloc_set();
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table.name.c_str());
    nftnl_set_set_str(s.get(), NFTNL_SET_NAME, name.c_str());
    nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, nfproto_of(table.family));
    nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, set_flags(shape));
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, concat_type_id(shape.key));
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, keys_length(shape.key));
    nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
    if (shape.verdict) {
        nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
        nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_LEN, 0);
    } else if (!shape.data.empty()) {
        nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, concat_type_id(shape.data));
        nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_LEN, keys_length(shape.data));
    }
    if (shape.concat_interval()) {
        std::vector<std::uint8_t> fields;
        for (auto k : shape.key) fields.push_back(static_cast<std::uint8_t>(key_length(k)));
        nftnl_set_set_data(s.get(), NFTNL_SET_DESC_CONCAT, fields.data(),
                           static_cast<std::uint32_t>(fields.size()));
    }
    set_userdata(s.get(), shape, comment);
    if (shape.counter) nftnl_set_add_expr(s.get(), counter_expr({}).release());  // set owns it
    return s;
}

// A shell naming the set, to carry elements (or a flush) in a message.
NftSetPtr elements_carrier(nft::TableFamily family, const std::string& table,
                           const std::string& name, std::uint32_t id) {
    auto s = alloc_set();
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table.c_str());
    nftnl_set_set_str(s.get(), NFTNL_SET_NAME, name.c_str());
    nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, nfproto_of(family));
    if (id) nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
    return s;
}

// The element's register bytes into `out` (cleared first; the caller keeps
// one buffer for all elements of a set).
std::expected<void, std::string> concat_bytes(const std::vector<Key>& keys, const std::vector<std::uint32_t>& padded,
                                              const std::vector<nft::Value>& values, bool network_order, Bytes& out) {
    if (values.size() != keys.size())
        return std::unexpected("element has " + std::to_string(values.size()) + " parts, the set " +
                               std::to_string(keys.size()));
    out.clear();
    for (std::size_t i = 0; i < keys.size(); ++i) {
        auto at = out.size();
        auto ok = append_value(keys[i], values[i], network_order && needs_hton(keys[i]), out);
        if (!ok) return ok;
        if (keys.size() > 1)  // each part of a concatenation is padded to 4 bytes
            for (auto end = at + padded[i]; out.size() < end;) out.push_back(0);
    }
    return {};
}

// Both ends of a concatenated interval element.
std::expected<Interval, std::string> concat_interval(const std::vector<Key>& keys,
                                                     const std::vector<nft::Value>& values) {
    if (values.size() != keys.size()) return std::unexpected("element parts do not match the set key");
    Interval out;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        auto iv = encode_interval(keys[i], values[i]);
        if (!iv) return std::unexpected(iv.error());
        iv->first.resize(key_padded_length(keys[i]), 0);
        iv->last.resize(key_padded_length(keys[i]), 0);
        out.first.insert(out.first.end(), iv->first.begin(), iv->first.end());
        out.last.insert(out.last.end(), iv->last.begin(), iv->last.end());
    }
    return out;
}

// An element's userdata (its comment, nft's open-interval flag) laid out
// as nftnl_udata_put_strz/_u32 lay it out in a kUdataMax buffer: one-byte
// type, one-byte length, the value (a u32 in host order); a TLV that would
// not fit is left out, as those putters leave it out. On the stack: a udata
// buffer allocated and freed for each of 20,000 elements cost more than
// the rest of their userdata.
class ElemUdata {
public:
    void put(std::uint8_t type, const void* value, std::size_t len) {
        if (len_ + 2 + len > bytes_.size()) return;
        bytes_[len_++] = type;
        bytes_[len_++] = static_cast<std::uint8_t>(len);
        std::memcpy(bytes_.data() + len_, value, len);
        len_ += len;
    }
    void put_strz(std::uint8_t type, const std::string& s) { put(type, s.c_str(), s.size() + 1); }
    void put_u32(std::uint8_t type, std::uint32_t v) { put(type, &v, sizeof v); }
    void set_on(nftnl_set_elem* e) const {
        nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, bytes_.data(), static_cast<std::uint32_t>(len_));
    }

private:
    std::array<std::uint8_t, kUdataMax> bytes_;
    std::size_t len_ = 0;
};

// Whether an element carries a counter expression of its own: only to set
// counted values. The kernel gives each element of a counting set a copy of
// the set's (zeroed) counter when the element comes without one, which is
// what nft -f relies on too; 20,000 forward elements each allocating,
// sending and freeing a zero counter were a fifth of encoding them.
bool elem_counter(const Shape& shape, const nft::Element& el) {
    return shape.counter && (el.counter.packets != 0 || el.counter.bytes != 0);
}

void set_bytes(nftnl_set_elem* e, std::uint16_t attr, const Bytes& b) {
    nftnl_set_elem_set(e, attr, b.data(), static_cast<std::uint32_t>(b.size()));
}

// Data, verdict, comment and counter of an element (its start, for intervals);
// `scratch` is a buffer for the data bytes.
std::expected<void, std::string> fill_payload(nftnl_set_elem* e, const Shape& shape, const nft::Element& el,
                                              bool open_end, Bytes& scratch) {
    if (shape.verdict) {
        if (!el.verdict) return std::unexpected("verdict map element without a verdict");
        int code = 0;
        switch (el.verdict->kind) {
        case nft::VerdictKind::accept: code = NF_ACCEPT; break;
        case nft::VerdictKind::drop: code = NF_DROP; break;
        case nft::VerdictKind::jump: code = NFT_JUMP; break;
        case nft::VerdictKind::goto_: code = NFT_GOTO; break;
        case nft::VerdictKind::return_: code = NFT_RETURN; break;
        case nft::VerdictKind::continue_: code = NFT_CONTINUE; break;
        }
        nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, static_cast<std::uint32_t>(code));
        if (!el.verdict->chain.empty())
            nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, el.verdict->chain.c_str());
    } else if (!shape.data.empty()) {
        if (auto ok = concat_bytes(shape.data, shape.data_padded, el.data, false, scratch); !ok) return ok;
        set_bytes(e, NFTNL_SET_ELEM_DATA, scratch);
    }
    if (!el.comment.empty() || open_end) {
        ElemUdata u;
        if (!el.comment.empty()) u.put_strz(NFTNL_UDATA_SET_ELEM_COMMENT, el.comment);
        if (open_end) u.put_u32(NFTNL_UDATA_SET_ELEM_FLAGS, NFTNL_SET_ELEM_F_INTERVAL_OPEN);
        u.set_on(e);
    }
    if (elem_counter(shape, el)) nftnl_set_elem_add_expr(e, counter_expr(el.counter).release());  // elem owns it
    return {};
}

void add_elem(nftnl_set* s, NftSetElemPtr e) {
    nftnl_set_elem_add(s, e.release());  // the set owns its elements
}

std::expected<void, std::string> add_plain(nftnl_set* s, const Shape& shape,
                                           const std::vector<nft::Element>& elements) {
    Bytes key, scratch;
    for (const auto& el : elements) {
        auto e = alloc_elem();
        if (shape.concat_interval()) {
            auto iv = concat_interval(shape.key, el.key);
            if (!iv) return std::unexpected(iv.error());
            set_bytes(e.get(), NFTNL_SET_ELEM_KEY, iv->first);
            set_bytes(e.get(), NFTNL_SET_ELEM_KEY_END, iv->last);
        } else {
            if (auto ok = concat_bytes(shape.key, shape.key_padded, el.key, false, key); !ok) return ok;
            set_bytes(e.get(), NFTNL_SET_ELEM_KEY, key);
        }
        if (auto r = fill_payload(e.get(), shape, el, false, scratch); !r) return r;
        add_elem(s, std::move(e));
    }
    return {};
}

NftSetElemPtr end_elem(const Bytes& key) {
    auto e = alloc_elem();
    set_bytes(e.get(), NFTNL_SET_ELEM_KEY, key);
    nftnl_set_elem_set_u32(e.get(), NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
    return e;
}

// One-key interval sets: [a, b] is a start element at a and an end element
// at b + 1 (none when b is the maximum: the start is marked open instead);
// a leading end element at zero closes the gap before the first range.
std::expected<void, std::string> add_intervals(nftnl_set* s, const Shape& shape,
                                               const std::vector<nft::Element>& elements) {
    std::vector<std::pair<Interval, const nft::Element*>> ranges;
    for (const auto& el : elements) {
        if (el.key.size() != 1) return std::unexpected("element parts do not match the set key");
        auto iv = encode_interval(shape.key.front(), el.key.front());
        if (!iv) return std::unexpected(iv.error());
        ranges.emplace_back(std::move(*iv), &el);
    }
    std::sort(ranges.begin(), ranges.end(),
              [](const auto& a, const auto& b) { return a.first.first < b.first.first; });
    if (!ranges.empty() && !is_zero(ranges.front().first.first))
        add_elem(s, end_elem(Bytes(ranges.front().first.first.size(), 0)));
    Bytes scratch;
    for (const auto& [iv, el] : ranges) {
        auto e = alloc_elem();
        set_bytes(e.get(), NFTNL_SET_ELEM_KEY, iv.first);
        bool open = is_all_ones(iv.last);
        if (auto r = fill_payload(e.get(), shape, *el, open, scratch); !r) return r;
        add_elem(s, std::move(e));
        if (!open) add_elem(s, end_elem(increment(iv.last)));
    }
    return {};
}

std::expected<void, std::string> add_elements(nftnl_set* s, const Shape& shape,
                                              const std::vector<nft::Element>& elements) {
    if (shape.interval && shape.key.size() == 1) return add_intervals(s, shape, elements);
    return add_plain(s, shape, elements);
}

std::uint32_t count_elements(nftnl_set* s) {
    std::uint32_t n = 0;
    nftnl_set_elem_foreach(s, [](nftnl_set_elem*, void* data) {
        ++*static_cast<std::uint32_t*>(data);
        return 0;
    }, &n);
    return n;
}

bool is_range(const nft::Value& v) {
    if (std::holds_alternative<nft::IntRange>(v)) return true;
    const auto* p = std::get_if<net::Prefix>(&v);
    return p && p->length != p->address.bits();
}

Shape shape_of(const nft::Set& set) {
    Shape shape(set.key, set.data);
    shape.verdict = set.verdict_map;
    shape.interval = set.interval;
    shape.counter = set.counter;
    shape.modulus = set.modulus;
    return shape;
}

std::string set_what(const nft::Table& table, const std::string& name) {
    return family_name(table.family) + " " + table.name + " " + name;
}

}  // namespace

std::expected<std::vector<NftOp>, std::string> encode_named_set(const nft::Table& table,
                                                                const nft::Set& set,
                                                                SetIds& ids) {
    if (set.key.empty()) return std::unexpected("set without a key type");
    auto shape = shape_of(set);
    auto id = ids.take();
    std::vector<NftOp> ops;
    auto fam = nfproto_of(table.family);
    ops.push_back({OpKind::add_set, fam, declare(table, set.name, shape, id, set.comment),
                   "add set " + set_what(table, set.name), set.origin});
    if (set.elements.empty()) return ops;
    auto carrier = elements_carrier(table.family, table.name, set.name, id);
    if (auto r = add_elements(carrier.get(), shape, set.elements); !r) return std::unexpected(r.error());
    ops.push_back({OpKind::add_elements, fam, std::move(carrier),
                   "add elements to set " + set_what(table, set.name), set.origin});
    return ops;
}

std::expected<std::uint32_t, std::string> encode_anonymous_set(EncodeContext& ctx,
                                                               const nft::Lookup& lookup,
                                                               config::Loc origin,
                                                               bool* interval) {
    if (lookup.inline_set.empty()) return std::unexpected("empty inline set");
    Shape shape(lookup.keys, {});
    shape.anonymous = true;
    shape.verdict = lookup.inline_set.front().verdict.has_value();
    for (const auto& el : lookup.inline_set)
        shape.interval = shape.interval || std::any_of(el.key.begin(), el.key.end(), is_range);
    *interval = shape.interval;
    auto id = ctx.ids.take();
    const char* name = shape.verdict ? "__map%d" : "__set%d";  // the kernel numbers them
    auto carrier = elements_carrier(ctx.table.family, ctx.table.name, name, id);
    if (auto r = add_elements(carrier.get(), shape, lookup.inline_set); !r)
        return std::unexpected(r.error());
    auto set = declare(ctx.table, name, shape, id, {});
    nftnl_set_set_u32(set.get(), NFTNL_SET_DESC_SIZE, count_elements(carrier.get()));
    auto fam = nfproto_of(ctx.table.family);
    auto what = set_what(ctx.table, "{ inline set }");
    ctx.ops.push_back({OpKind::add_set, fam, std::move(set), "add " + what, origin});
    ctx.ops.push_back({OpKind::add_elements, fam, std::move(carrier), "add elements to " + what, origin});
    return id;
}

std::expected<std::vector<NftOp>, EncodeError> encode_element_update(nft::TableFamily family,
                                                                     const std::string& table,
                                                                     const nft::Set& set) {
    std::vector<NftOp> ops;
    auto fam = nfproto_of(family);
    auto what = family_name(family) + " " + table + " " + set.name;
    ops.push_back({OpKind::flush_elements, fam, elements_carrier(family, table, set.name, 0),
                   "flush set " + what, set.origin});
    if (set.elements.empty()) return ops;
    auto carrier = elements_carrier(family, table, set.name, 0);
    if (auto r = add_elements(carrier.get(), shape_of(set), set.elements); !r)
        return std::unexpected(EncodeError{"add elements to set " + what, r.error(), set.origin});
    ops.push_back({OpKind::add_elements, fam, std::move(carrier), "add elements to set " + what,
                   set.origin});
    return ops;
}

}  // namespace gw::kernel
