// Owning smart pointers for the C libraries of the kernel layer. Every
// libnftnl/libmnl (and later libnl) object lives in one of these, so no
// code path can leak or double-free it; where a library takes ownership
// (nftnl_rule_add_expr, nftnl_set_elem_add, ...) the caller hands it over
// with an explicit, commented .release().
#pragma once

#include <memory>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

namespace gw::kernel {

// A deleter that calls a free function; the functions take const pointers
// in some libraries and mutable ones in others, hence the template.
template <auto Free>
struct CFree {
    template <class T>
    void operator()(T* p) const noexcept {
        if (p) Free(p);
    }
};

using NftTablePtr = std::unique_ptr<nftnl_table, CFree<nftnl_table_free>>;
using NftChainPtr = std::unique_ptr<nftnl_chain, CFree<nftnl_chain_free>>;
using NftRulePtr = std::unique_ptr<nftnl_rule, CFree<nftnl_rule_free>>;
using NftSetPtr = std::unique_ptr<nftnl_set, CFree<nftnl_set_free>>;
using NftSetElemPtr = std::unique_ptr<nftnl_set_elem, CFree<nftnl_set_elem_free>>;
using NftExprPtr = std::unique_ptr<nftnl_expr, CFree<nftnl_expr_free>>;
using NftBatchPtr = std::unique_ptr<nftnl_batch, CFree<nftnl_batch_free>>;
using NftUdataPtr = std::unique_ptr<nftnl_udata_buf, CFree<nftnl_udata_buf_free>>;
using NftExprIterPtr = std::unique_ptr<nftnl_expr_iter, CFree<nftnl_expr_iter_destroy>>;
using NftElemIterPtr =
    std::unique_ptr<nftnl_set_elems_iter, CFree<nftnl_set_elems_iter_destroy>>;
using NftGenPtr = std::unique_ptr<nftnl_gen, CFree<nftnl_gen_free>>;
using MnlSocketPtr = std::unique_ptr<mnl_socket, CFree<mnl_socket_close>>;

}  // namespace gw::kernel
