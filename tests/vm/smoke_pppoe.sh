#!/bin/busybox ash
# vm tier smoke test (runs inside the guest, through run_in_vm.py): what the
# host kernel cannot do. Two namespaces joined by a veth; pppoe-server
# (user-space mode) with a CHAP secret in "isp", a plain pppd with the pppoe
# plugin in "cpe"; the session must come up with IPv4 and carry pings.
set -u
[ -d /run/gw-vm ] || { echo "run this inside the guest: tests/vm/run_in_vm.py -- $0"; exit 2; }
# busybox ash prefers its own applets; its ip has no netns.
ip() { /usr/bin/ip "$@"; }

fail=0
check() {  # check WHAT COMMAND...
    what=$1; shift
    if "$@" >/dev/null 2>&1; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
cleanup() {
    for f in /tmp/pppoe-server.pid /tmp/pppd-cpe.pid; do
        [ -s $f ] && kill "$(head -n1 $f)" 2>/dev/null
    done
    ip netns del isp 2>/dev/null
    ip netns del cpe 2>/dev/null
}
trap cleanup EXIT
dump_logs() {
    for f in /tmp/pppd-isp.log /tmp/pppd-cpe.log; do
        [ -s $f ] && { echo "--- $f"; cat $f; }
    done
}

ip netns add isp
ip netns add cpe
ip link add e-isp type veth peer name e-cpe
ip link set e-isp netns isp
ip link set e-cpe netns cpe
for ns in isp cpe; do
    ip -n $ns link set lo up
    ip -n $ns link set e-$ns up
done

# One secrets file serves both ends: client name, server name, secret, addresses.
umask 077
printf '"gwtest" * "vm-smoke-secret" *\n' > /etc/ppp/chap-secrets
cat > /tmp/pppoe-server-options <<OPTS
require-chap
lcp-echo-interval 2
lcp-echo-failure 3
logfile /tmp/pppd-isp.log
OPTS
ip netns exec isp pppoe-server -I e-isp -L 10.64.0.1 -R 10.64.0.10 -N 4 \
    -O /tmp/pppoe-server-options -X /tmp/pppoe-server.pid

ip netns exec cpe pppd plugin pppoe.so nic-e-cpe user gwtest noauth unit 0 \
    noipdefault nodefaultroute maxfail 1 lcp-echo-interval 2 lcp-echo-failure 3 \
    logfile /tmp/pppd-cpe.log linkname cpe &
start=$(cut -d. -f1 /proc/uptime)

addr=
for i in $(seq 60); do
    addr=$(ip -n cpe -4 -o addr show dev ppp0 2>/dev/null | awk '{print $4; exit}')
    [ -n "$addr" ] && break
    sleep 0.5
done
now=$(cut -d. -f1 /proc/uptime)
if [ -z "$addr" ]; then
    echo "FAIL ppp0 in cpe got no IPv4 address within 30 s"
    dump_logs
    exit 1
fi
echo "ok   ppp0 up in cpe: $addr after ~$((now - start)) s"
peer_is_isp() { ip -n cpe -4 -o addr show dev ppp0 | grep -q 'peer 10.64.0.1/32'; }
check "peer 10.64.0.1 is the isp end" peer_is_isp
check "ping cpe -> isp over PPPoE" ip netns exec cpe ping -n -c 1 -W 5 10.64.0.1
check "ping isp -> cpe over PPPoE" ip netns exec isp ping -n -c 1 -W 5 10.64.0.10
[ $fail -eq 0 ] || dump_logs
exit $fail
