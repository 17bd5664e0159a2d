// Lookups by name on a parsed Config. Names are unique per kind (parse_config
// rejects duplicates), so the first match is the only one.
#include "rules/config/model.hpp"

#include <algorithm>

namespace gw::config {

namespace {

template <class T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
    auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name.value == name; });
    return it == items.end() ? nullptr : &*it;
}

}  // namespace

const Interface* Config::find_interface(std::string_view name) const {
    return find_named(interfaces, name);
}

const Uplink* Config::find_uplink(std::string_view name) const {
    return find_named(uplinks, name);
}

const Zone* Config::find_zone(std::string_view name) const {
    return find_named(zones, name);
}

const AddressSet* Config::find_set(std::string_view name) const {
    return find_named(sets, name);
}

}  // namespace gw::config
