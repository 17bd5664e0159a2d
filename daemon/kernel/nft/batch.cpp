#include "daemon/kernel/nft/batch.hpp"

#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <new>

namespace gw::kernel {

namespace {

// A batch page holds many messages; the overrun must fit the largest single
// message (element lists are cut at 64 KiB by libnftnl).
constexpr std::uint32_t kPageSize = 256 * 1024;
constexpr std::uint32_t kOverrun = 128 * 1024;
constexpr std::size_t kMaxReported = 10;

class Writer {
public:
    Writer(Batch& batch, std::uint32_t seq) : batch_(batch), seq_(seq) {}

    void op(const NftOp& op) {
        switch (op.kind) {
        case OpKind::add_table:
            return table(op, NFT_MSG_NEWTABLE, NLM_F_CREATE);
        case OpKind::delete_table:
            return table(op, NFT_MSG_DELTABLE, 0);
        case OpKind::add_chain: {
            auto* nlh = header(op, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
            nftnl_chain_nlmsg_build_payload(nlh, std::get<NftChainPtr>(op.object).get());
            return next();
        }
        case OpKind::add_set: {
            auto* nlh = header(op, NFT_MSG_NEWSET, NLM_F_CREATE);
            nftnl_set_nlmsg_build_payload(nlh, std::get<NftSetPtr>(op.object).get());
            return next();
        }
        case OpKind::add_rule: {
            auto* nlh = header(op, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
            nftnl_rule_nlmsg_build_payload(nlh, std::get<NftRulePtr>(op.object).get());
            return next();
        }
        case OpKind::add_flowtable: {
            auto* nlh = header(op, NFT_MSG_NEWFLOWTABLE, NLM_F_CREATE);
            nftnl_flowtable_nlmsg_build_payload(nlh, std::get<NftFlowtablePtr>(op.object).get());
            return next();
        }
        case OpKind::add_elements: return elements(op);
        case OpKind::flush_elements: {
            auto* nlh = header(op, NFT_MSG_DELSETELEM, 0);
            nftnl_set_elems_nlmsg_build_payload(nlh, std::get<NftSetPtr>(op.object).get());
            return next();
        }
        }
    }

    std::uint32_t seq() const { return seq_; }

private:
    nlmsghdr* header(const NftOp& op, int type, std::uint16_t flags) {
        batch_.by_seq[seq_] = &op;
        auto* buf = static_cast<char*>(nftnl_batch_buffer(batch_.buffer.get()));
        return nftnl_nlmsg_build_hdr(buf, static_cast<std::uint16_t>(type), op.family, flags, seq_++);
    }

    void next() {
        if (nftnl_batch_update(batch_.buffer.get()) < 0) throw std::bad_alloc();
    }

    void table(const NftOp& op, int type, std::uint16_t flags) {
        auto* nlh = header(op, type, flags);
        nftnl_table_nlmsg_build_payload(nlh, std::get<NftTablePtr>(op.object).get());
        next();
    }

    // Large element lists span several messages, each with its own seq.
    void elements(const NftOp& op) {
        auto* set = std::get<NftSetPtr>(op.object).get();
        NftElemIterPtr it(nftnl_set_elems_iter_create(set));
        if (!it) throw std::bad_alloc();
        while (nftnl_set_elems_iter_cur(it.get())) {
            auto* nlh = header(op, NFT_MSG_NEWSETELEM, NLM_F_CREATE);
            int more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it.get());
            next();
            if (more <= 0) break;
        }
    }

    Batch& batch_;
    std::uint32_t seq_;
};

KernelError rejection(const Batch& batch, const MessageError& e) {
    auto it = batch.by_seq.find(e.seq);
    if (it == batch.by_seq.end())
        return kernel_rejection(e.seq == batch.begin_seq ? "begin transaction" : "transaction",
                                e.error, e.ext_ack, {});
    return kernel_rejection(it->second->what, e.error, e.ext_ack, it->second->origin);
}

NftBatchPtr new_buffer() {
    NftBatchPtr buffer(nftnl_batch_alloc(kPageSize, kOverrun));
    if (!buffer) throw std::bad_alloc();
    return buffer;
}

}  // namespace

Batch build_batch(const std::vector<NftOp>& ops, std::uint32_t first_seq, ApplyMode mode,
                  const std::vector<NftOp>* then) {
    Batch batch;
    batch.buffer = new_buffer();
    batch.begin_seq = first_seq;
    auto* b = batch.buffer.get();
    nftnl_batch_begin(static_cast<char*>(nftnl_batch_buffer(b)), first_seq);
    if (nftnl_batch_update(b) < 0) throw std::bad_alloc();
    Writer writer(batch, first_seq + 1);
    for (const auto& op : ops) writer.op(op);
    if (then)
        for (const auto& op : *then) writer.op(op);
    if (mode == ApplyMode::commit) {
        nftnl_batch_end(static_cast<char*>(nftnl_batch_buffer(b)), writer.seq());
        if (nftnl_batch_update(b) < 0) throw std::bad_alloc();
    }
    batch.next_seq = writer.seq() + 1;
    return batch;
}

std::expected<void, KernelError> run_transaction(NftSocket& sock, const std::vector<NftOp>& ops,
                                                 ApplyMode mode, const std::vector<NftOp>* then) {
    auto batch = build_batch(ops, sock.next_seq(), mode, then);
    sock.skip_to(batch.next_seq);
    std::vector<iovec> iov(static_cast<std::size_t>(nftnl_batch_iovec_len(batch.buffer.get())));
    nftnl_batch_iovec(batch.buffer.get(), iov.data(), static_cast<std::uint32_t>(iov.size()));
    std::size_t total = 0;
    for (const auto& v : iov) total += v.iov_len;
    auto errors = sock.send_batch(iov, total);
    if (!errors) return std::unexpected(errors.error());
    if (errors->empty()) return {};
    auto first_error = rejection(batch, errors->front());
    for (std::size_t i = 1; i < errors->size() && i <= kMaxReported; ++i)
        first_error.more.push_back(rejection(batch, (*errors)[i]));
    return std::unexpected(std::move(first_error));
}

}  // namespace gw::kernel
