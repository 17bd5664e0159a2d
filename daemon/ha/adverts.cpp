#include "daemon/ha/adverts.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "daemon/loop/log.hpp"

namespace gw::ha {

namespace {
constexpr int kProtoVrrp = 112;
constexpr const char* kVrrpGroup = "224.0.0.18";

void membership(int fd, const std::string& link, int op) {
    ip_mreqn m{};
    inet_pton(AF_INET, kVrrpGroup, &m.imr_multiaddr);
    m.imr_ifindex = static_cast<int>(if_nametoindex(link.c_str()));
    if (m.imr_ifindex == 0) return;
    (void)setsockopt(fd, IPPROTO_IP, op, &m, sizeof m);
}
}  // namespace

std::unique_ptr<AdvertListener> AdvertListener::open(sd_event* event) {
    std::unique_ptr<AdvertListener> self(new AdvertListener());
    self->fd_ = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, kProtoVrrp);
    if (self->fd_ < 0) {
        loop::log_warning(std::string("VRRP adverts will not be shown: ") + std::strerror(errno));
        return nullptr;
    }
    int on = 1;
    (void)setsockopt(self->fd_, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
    sd_event_source* s = nullptr;
    if (sd_event_add_io(event, &s, self->fd_, EPOLLIN, on_readable, self.get()) < 0) return nullptr;
    self->source_.reset(s);
    return self;
}

AdvertListener::~AdvertListener() {
    source_.reset();
    if (fd_ >= 0) ::close(fd_);
}

void AdvertListener::watch(const std::set<std::string>& links, std::set<std::string> own) {
    own_ = std::move(own);
    for (const auto& l : joined_)
        if (!links.contains(l)) membership(fd_, l, IP_DROP_MEMBERSHIP);
    for (const auto& l : links)
        if (!joined_.contains(l)) membership(fd_, l, IP_ADD_MEMBERSHIP);
    joined_ = links;
}

const HeardAdvert* AdvertListener::last(const std::string& link, std::uint32_t vrid) const {
    auto it = heard_.find({link, vrid});
    return it == heard_.end() ? nullptr : &it->second;
}

int AdvertListener::on_readable(sd_event_source*, int, std::uint32_t, void* self) {
    static_cast<AdvertListener*>(self)->read_one();
    return 0;
}

void AdvertListener::read_one() {
    unsigned char buf[1500];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(fd_, &msg, 0);
    if (n < static_cast<ssize_t>(sizeof(iphdr))) return;
    const auto* ip = reinterpret_cast<const iphdr*>(buf);
    std::size_t header = ip->ihl * 4u;
    if (static_cast<std::size_t>(n) < header + 4) return;
    const unsigned char* vrrp = buf + header;
    if ((vrrp[0] & 0x0f) != 1) return;  // type 1: advertisement
    int ifindex = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
            ifindex = reinterpret_cast<const in_pktinfo*>(CMSG_DATA(c))->ipi_ifindex;
    char name[IF_NAMESIZE] = {};
    if (ifindex == 0 || !if_indextoname(static_cast<unsigned>(ifindex), name)) return;
    char source[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &ip->saddr, source, sizeof source);
    if (own_.contains(source)) return;
    heard_[{name, vrrp[1]}] = HeardAdvert{source, vrrp[2], std::chrono::system_clock::now()};
}

}  // namespace gw::ha
