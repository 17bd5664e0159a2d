// standin-pppd: a stand-in for pppd on kernels without PPP. gatewayd starts
// it through `--pppd PATH` with the argv it would give the real pppd; it
// brings up a tun link named like the ppp link and prints pppd-like lines.
//
// Usage (tests): set GW_STANDIN_DIR=<dir> in gatewayd's environment and put
// `<dir>/<ifname>.conf` there, one setting a line:
//   local A            our address (required to come up)
//   peer P             the remote end (point-to-point peer of A)
//   dns D              a DNS server (repeatable; first primary, second secondary)
//   fail-before-up N   the first N starts exit 1 before any link exists
//   up-delay-ms M      wait M ms ("negotiating") before the link appears
//   peer-netns NS      also make a tun `<ifname>` in netns NS (address P peer
//                      A) and relay packets between the two tuns, so traffic
//                      really crosses the "PPPoE link"
// It writes `<dir>/<ifname>.pid`, `.args` (argv, one per line), `.password`
// (what it read from `passwordfd N`) and counts starts in `.starts`.
// Signals: SIGTERM/SIGINT remove the link(s), exit 0; SIGUSR2 is "carrier
// lost": links removed, exit 1; SIGUSR1 re-reads the conf and moves to its
// new local/peer. SIGKILL takes the tuns with it, as with ppp0.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <net/route.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Conf {
  std::string local;
  std::string peer;
  std::vector<std::string> dns;
  int fail_before_up = 0;
  int up_delay_ms = 0;
  std::string peer_netns;
};

struct Args {
  std::string ifname;
  int password_fd = -1;
  int mtu = 1500;
  std::string nic;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "standin-pppd: %s\n", what.c_str());
  std::exit(2);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) die("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_next = i + 1 < argc;
    if (arg == "ifname" && has_next) a.ifname = argv[++i];
    else if (arg == "passwordfd" && has_next) a.password_fd = std::atoi(argv[++i]);
    else if (arg == "mtu" && has_next) a.mtu = std::atoi(argv[++i]);
    else if (arg.rfind("nic-", 0) == 0) a.nic = arg.substr(4);
  }
  if (a.ifname.empty()) die("no `ifname NAME` in the arguments");
  return a;
}

Conf read_conf(const std::string& path) {
  Conf c;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, value;
    words >> key >> value;
    if (key == "local") c.local = value;
    else if (key == "peer") c.peer = value;
    else if (key == "dns") c.dns.push_back(value);
    else if (key == "fail-before-up") c.fail_before_up = std::atoi(value.c_str());
    else if (key == "up-delay-ms") c.up_delay_ms = std::atoi(value.c_str());
    else if (key == "peer-netns") c.peer_netns = value;
  }
  return c;
}

// Reads until EOF, as pppd's passwordfd plugin does.
std::string read_password(int fd) {
  std::string secret;
  char buf[256];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      die("cannot read the password from fd " + std::to_string(fd));
    }
    secret.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return secret;
}

int count_start(const std::string& path) {
  int starts = std::atoi(read_file(path).c_str()) + 1;
  write_file(path, std::to_string(starts) + "\n");
  return starts;
}

void set_in_addr(sockaddr* sa, const std::string& text) {
  auto* in = reinterpret_cast<sockaddr_in*>(sa);
  in->sin_family = AF_INET;
  if (inet_pton(AF_INET, text.c_str(), &in->sin_addr) != 1) die("bad IPv4 address " + text);
}

void ifreq_ioctl(int sock, unsigned long request, ifreq& ifr, const char* what) {
  if (ioctl(sock, request, &ifr) < 0)
    die(std::string(what) + " on " + ifr.ifr_name + ": " + std::strerror(errno));
}

// Address, peer, MTU and up on a point-to-point link, as pppd's sifaddr does.
void configure_link(const std::string& ifname, const std::string& local, const std::string& peer, int mtu) {
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) die("socket: " + std::string(std::strerror(errno)));
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname.c_str());
  ifr.ifr_mtu = mtu;
  ifreq_ioctl(sock, SIOCSIFMTU, ifr, "SIOCSIFMTU");
  set_in_addr(&ifr.ifr_addr, local);
  ifreq_ioctl(sock, SIOCSIFADDR, ifr, "SIOCSIFADDR");
  set_in_addr(&ifr.ifr_dstaddr, peer);
  ifreq_ioctl(sock, SIOCSIFDSTADDR, ifr, "SIOCSIFDSTADDR");
  ifreq_ioctl(sock, SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  ifreq_ioctl(sock, SIOCSIFFLAGS, ifr, "SIOCSIFFLAGS");
  close(sock);
}

int open_tun(const std::string& ifname) {
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) die("open /dev/net/tun: " + std::string(std::strerror(errno)));
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname.c_str());
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF " + ifname + ": " + std::strerror(errno));
  return fd;
}

// The far end: a tun in another netns. The process is single-threaded, so
// it may enter that netns for the setup and come back.
int open_peer_tun(const Conf& conf, const Args& args) {
  int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  std::string path = "/run/netns/" + conf.peer_netns;
  int there = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (home < 0 || there < 0) die("cannot open netns " + path);
  if (setns(there, CLONE_NEWNET) < 0) die("setns " + path + ": " + std::strerror(errno));
  int fd = open_tun(args.ifname);
  configure_link(args.ifname, conf.peer, conf.local, args.mtu);
  if (setns(home, CLONE_NEWNET) < 0) die("setns back: " + std::string(std::strerror(errno)));
  close(home);
  close(there);
  return fd;
}

void print_up(const Conf& conf) {
  std::printf("local  IP address %s\n", conf.local.c_str());
  std::printf("remote IP address %s\n", conf.peer.c_str());
  const char* kinds[] = {"primary  ", "secondary"};
  for (size_t i = 0; i < conf.dns.size() && i < 2; ++i)
    std::printf("%s DNS address %s\n", kinds[i], conf.dns[i].c_str());
}

int make_signalfd() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  return signalfd(-1, &set, SFD_CLOEXEC);
}

// Waits up to `ms` for a signal; returns it, or 0 on timeout.
int wait_signal(int sfd, int ms) {
  pollfd p{sfd, POLLIN, 0};
  if (poll(&p, 1, ms) <= 0) return 0;
  signalfd_siginfo info{};
  if (read(sfd, &info, sizeof info) != sizeof info) return 0;
  return static_cast<int>(info.ssi_signo);
}

void relay_one(int from, int to) {
  char packet[65536];
  for (;;) {
    ssize_t n = read(from, packet, sizeof packet);
    if (n <= 0) return;
    // A full peer queue drops the packet, like a real link would.
    (void)!write(to, packet, static_cast<size_t>(n));
  }
}

int exit_on(int sig) {
  if (sig == SIGUSR2) {
    std::printf("LCP: no response to 4 echo-requests\nSerial link appears to be disconnected.\n");
    std::printf("Connection terminated.\n");
    return 1;
  }
  std::printf("Terminating on signal %d\nConnection terminated.\n", sig);
  return 0;
}

// Runs the link until a signal ends it; relays packets when there is a peer tun.
int run_link(int sfd, int tun, int peer_tun, const Args& args, const std::string& conf_path, Conf conf) {
  for (;;) {
    pollfd p[3] = {{sfd, POLLIN, 0}, {tun, POLLIN, 0}, {peer_tun, POLLIN, 0}};
    if (poll(p, peer_tun >= 0 ? 3 : 1, -1) < 0 && errno != EINTR) die("poll");
    if (peer_tun >= 0 && (p[1].revents & POLLIN)) relay_one(tun, peer_tun);
    if (peer_tun >= 0 && (p[2].revents & POLLIN)) relay_one(peer_tun, tun);
    if (!(p[0].revents & POLLIN)) continue;
    int sig = wait_signal(sfd, 0);
    if (sig == SIGUSR1) {
      conf = read_conf(conf_path);
      configure_link(args.ifname, conf.local, conf.peer, args.mtu);
      print_up(conf);
      continue;
    }
    if (sig != 0) return exit_on(sig);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const char* dir_env = std::getenv("GW_STANDIN_DIR");
  if (dir_env == nullptr) die("GW_STANDIN_DIR is not set");
  Args args = parse_args(argc, argv);
  std::string base = std::string(dir_env) + "/" + args.ifname;
  write_file(base + ".pid", std::to_string(getpid()) + "\n");
  std::string argv_text;
  for (int i = 0; i < argc; ++i) argv_text += std::string(argv[i]) + "\n";
  write_file(base + ".args", argv_text);
  if (args.password_fd >= 0) write_file(base + ".password", read_password(args.password_fd));

  int sfd = make_signalfd();
  Conf conf = read_conf(base + ".conf");
  std::printf("Using interface %s\n", args.ifname.c_str());
  if (count_start(base + ".starts") <= conf.fail_before_up || conf.local.empty()) {
    std::printf("Timeout waiting for PADO packets\nUnable to complete PPPoE Discovery\n");
    return 1;
  }
  std::printf("Connect: %s <--> %s\n", args.ifname.c_str(), args.nic.c_str());
  if (int sig = wait_signal(sfd, conf.up_delay_ms)) return exit_on(sig);
  int tun = open_tun(args.ifname);
  configure_link(args.ifname, conf.local, conf.peer, args.mtu);
  int peer_tun = conf.peer_netns.empty() ? -1 : open_peer_tun(conf, args);
  print_up(conf);
  return run_link(sfd, tun, peer_tun, args, base + ".conf", conf);
}
