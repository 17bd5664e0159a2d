#include "rules/mape/map_rule.hpp"

namespace gw::mape {
namespace {

// Bits [offset, offset + count) of an address, most significant first (count <= 64).
std::uint64_t get_bits(const net::Address& a, int offset, int count) {
    std::uint64_t out = 0;
    for (int i = offset; i < offset + count; ++i)
        out = (out << 1) | ((a.bytes[i / 8] >> (7 - i % 8)) & 1u);
    return out;
}

void put_bits(net::Address& a, int offset, int count, std::uint64_t value) {
    for (int i = 0; i < count; ++i) {
        int bit = offset + i;
        auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
        if ((value >> (count - 1 - i)) & 1u) a.bytes[bit / 8] |= mask;
        else a.bytes[bit / 8] &= static_cast<std::uint8_t>(~mask);
    }
}

}  // namespace

std::optional<RuleProblem> check_rule(const MapRule& rule, std::optional<int> stated_psid_length) {
    using W = RuleProblem::What;
    int suffix = 32 - rule.ipv4.length;
    if (rule.end_user_length() > 64)
        return RuleProblem{W::ea_bits_past_64,
                           "EA-bits " + std::to_string(rule.ea_bits) + " after the /" +
                               std::to_string(rule.ipv6.length) + " rule prefix reach bit " +
                               std::to_string(rule.end_user_length()) + ", past the /64 an end-user prefix ends at",
                           "ipv6-prefix length plus ea-bits must be at most 64"};
    if (rule.ea_bits < suffix)
        return RuleProblem{W::ea_bits_too_short,
                           "EA-bits " + std::to_string(rule.ea_bits) + " cannot carry the " + std::to_string(suffix) +
                               " host bits of the /" + std::to_string(rule.ipv4.length) + " IPv4 rule prefix",
                           "a CE needs a whole IPv4 address: ea-bits must be at least " + std::to_string(suffix)};
    int q = rule.psid_length();
    if (stated_psid_length && *stated_psid_length != q)
        return RuleProblem{W::psid_length_mismatch,
                           "psid-length " + std::to_string(*stated_psid_length) + " does not match the rule: " +
                               std::to_string(rule.ea_bits) + " EA-bits minus " + std::to_string(suffix) +
                               " IPv4 suffix bits leave " + std::to_string(q),
                           "leave psid-length out (it follows from the rule) or write " + std::to_string(q)};
    if (rule.psid_offset + q > 16)
        return RuleProblem{W::psid_too_long,
                           "psid-offset " + std::to_string(rule.psid_offset) + " plus PSID length " +
                               std::to_string(q) + " exceeds the 16 bits of a port",
                           "the EA-bits leave a " + std::to_string(q) + "-bit PSID; psid-offset can be at most " +
                               std::to_string(16 - q)};
    return std::nullopt;
}

std::vector<PortBlock> port_blocks(const MapRule& rule, std::uint32_t psid) {
    int a = rule.psid_offset, q = rule.psid_length(), m = 16 - a - q;
    std::vector<PortBlock> out;
    std::uint32_t first_block = a == 0 ? 0 : 1;
    for (std::uint32_t block = first_block; block < (1u << a); ++block) {
        std::uint32_t base = (block << (16 - a)) | (psid << m);
        std::uint32_t last = base + (1u << m) - 1;
        if (base == 0) base = 1;  // port 0 is no port
        if (base > last) continue;
        out.push_back({static_cast<std::uint16_t>(base), static_cast<std::uint16_t>(last)});
    }
    return out;
}

std::uint32_t psid_of_port(const MapRule& rule, std::uint16_t port) {
    int a = rule.psid_offset, q = rule.psid_length(), m = 16 - a - q;
    return (static_cast<std::uint32_t>(port) >> m) & ((1u << q) - 1);
}

net::Address ce_ipv6(const net::Prefix& end_user, const net::Address& ipv4, std::uint32_t psid, Layout layout) {
    net::Address out = net::Prefix{end_user.address, end_user.length}.network().address;
    std::uint64_t v4 = get_bits(ipv4, 0, 32);
    int at = layout == Layout::rfc7597 ? 80 : 72;  // where the IPv4 address starts in the address
    put_bits(out, 64, 64, 0);
    put_bits(out, at, 32, v4);
    put_bits(out, at + 32, 16, psid);
    return out;
}

std::optional<CeFacts> derive_ce(const MapRule& rule, const net::Prefix& prefix) {
    if (prefix.address.family != net::Family::ipv6 || prefix.length < rule.end_user_length() ||
        !rule.ipv6.contains(prefix.address))
        return std::nullopt;
    CeFacts ce;
    ce.end_user = net::Prefix{prefix.address, rule.end_user_length()}.network();
    std::uint64_t ea = get_bits(prefix.address, rule.ipv6.length, rule.ea_bits);
    int q = rule.psid_length();
    ce.psid = static_cast<std::uint32_t>(ea & ((std::uint64_t{1} << q) - 1));
    ce.ipv4 = rule.ipv4.network().address;
    int suffix = 32 - rule.ipv4.length;
    put_bits(ce.ipv4, rule.ipv4.length, suffix, ea >> q);
    ce.blocks = port_blocks(rule, ce.psid);
    ce.ipv6 = ce_ipv6(ce.end_user, ce.ipv4, ce.psid, rule.layout);
    return ce;
}

std::uint32_t CeFacts::port_count() const {
    std::uint32_t n = 0;
    for (const auto& b : blocks) n += b.last - b.first + 1u;
    return n;
}

bool CeFacts::holds_port(std::uint16_t port) const {
    for (const auto& b : blocks)
        if (port >= b.first && port <= b.last) return true;
    return false;
}

std::vector<std::uint16_t> spread_ports(const std::vector<PortBlock>& blocks) {
    std::vector<std::uint16_t> out;
    for (std::uint32_t j = 0;; ++j) {
        bool any = false;
        for (const auto& b : blocks) {
            if (b.first + j > b.last) continue;
            out.push_back(static_cast<std::uint16_t>(b.first + j));
            any = true;
        }
        if (!any) return out;
    }
}

std::uint32_t ports_per_ce(const MapRule& rule) {
    std::uint32_t n = 0;
    for (const auto& b : port_blocks(rule, 1)) n += b.last - b.first + 1u;
    return n;
}

std::string render_blocks(const std::vector<PortBlock>& blocks) {
    std::string out;
    for (const auto& b : blocks) {
        if (!out.empty()) out += ", ";
        out += std::to_string(b.first) + "-" + std::to_string(b.last);
    }
    return out;
}

}  // namespace gw::mape
