#!/usr/bin/env python3
"""Writes a home-router config with N port forwards (tcp, ports 20000+i,
spread over LAN servers) to stdout. Used by the benchmarks."""
import sys

n = int(sys.argv[1])
print(f"""version: 1
interfaces:
  lan:
    device: lan0
    addresses: [172.16.2.1/16]
uplinks:
  isp:
    kind: pppoe
    device: wan0
    username: bench
    password-file: /etc/gatewayd/isp.password
    default-route: true
zones:
  lan:
    interfaces: [lan]
    networks: 172.16.0.0/16
  wan:
    uplinks: [isp]
nat:
  masquerade:
    - from: lan
      to: wan
  forwards:""")
for i in range(n):
    host = 100 + i % 100
    print(f"""    - name: f{i}
      proto: tcp
      port: {20000 + i}
      to: 172.16.1.{host}""")
print("""firewall:
  input:
    policy: drop
    rules:
      - name: ssh
        action: allow
        from: lan
        proto: tcp
        port: 22
  forward:
    policy: drop
    rules:
      - name: lan-out
        action: allow
        from: lan
        to: wan""")
