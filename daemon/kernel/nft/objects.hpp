// The libnftnl and libmnl objects of the nft room, each owned (daemon/owned.hpp).
#pragma once

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/flowtable.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "daemon/owned.hpp"

namespace gw::kernel {

using NftTablePtr = Owned<nftnl_table, nftnl_table_free>;
using NftChainPtr = Owned<nftnl_chain, nftnl_chain_free>;
using NftRulePtr = Owned<nftnl_rule, nftnl_rule_free>;
using NftSetPtr = Owned<nftnl_set, nftnl_set_free>;
using NftFlowtablePtr = Owned<nftnl_flowtable, nftnl_flowtable_free>;
using NftSetElemPtr = Owned<nftnl_set_elem, nftnl_set_elem_free>;
using NftExprPtr = Owned<nftnl_expr, nftnl_expr_free>;
using NftBatchPtr = Owned<nftnl_batch, nftnl_batch_free>;
using NftUdataPtr = Owned<nftnl_udata_buf, nftnl_udata_buf_free>;
using NftExprIterPtr = Owned<nftnl_expr_iter, nftnl_expr_iter_destroy>;
using NftElemIterPtr = Owned<nftnl_set_elems_iter, nftnl_set_elems_iter_destroy>;
using NftGenPtr = Owned<nftnl_gen, nftnl_gen_free>;
using MnlSocketPtr = Owned<mnl_socket, mnl_socket_close>;

}  // namespace gw::kernel
