// Ownership of C library objects (libnftnl, libmnl, libnl-3, libsystemd):
// every such object lives in an Owned<T, free_function>, so no code path
// can leak or double-free it. Each library's aliases sit in the room that
// uses the library (kernel/nft/objects.hpp, kernel/rtnl/objects.hpp,
// loop/sd_objects.hpp), so including this header pulls in no library.
// Where a library takes ownership (nftnl_rule_add_expr, ...) the caller
// hands the object over with an explicit, commented .release().
#pragma once

#include <memory>

namespace gw {

// A deleter that calls a free function; the functions take const pointers
// in some libraries and mutable ones in others, hence the template.
template <auto Free>
struct CFree {
    template <class T>
    void operator()(T* p) const noexcept {
        if (p) Free(p);
    }
};

template <class T, auto Free>
using Owned = std::unique_ptr<T, CFree<Free>>;

}  // namespace gw
