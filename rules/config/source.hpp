// Where a config value came from: 1-based line and column in the file.
// Every value of the model carries one, so any later stage (validation,
// compilation, a kernel rejection) can point the operator at the line.
#pragma once

#include <string>
#include <utility>

namespace gw::config {

struct Loc {
    int line = 0;  // 1-based; 0 means "not from the file" (a default)
    int col = 0;   // 1-based
    bool known() const { return line > 0; }
    friend bool operator==(const Loc&, const Loc&) = default;
};

// A value together with the place it was written. Defaults have an unknown Loc.
template <class T>
struct Located {
    T value{};
    Loc loc{};

    Located() = default;
    Located(T v, Loc l = {}) : value(std::move(v)), loc(l) {}  // NOLINT: implicit on purpose
    const T& operator*() const { return value; }
    T& operator*() { return value; }
    const T* operator->() const { return &value; }
    friend bool operator==(const Located& a, const Located& b) { return a.value == b.value; }
};

}  // namespace gw::config
