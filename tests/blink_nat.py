# SPDX-License-Identifier: LGPL-2.1-or-later
"""Homes behind NATs, and a TURN server, for calls through NATs.

The program first enters a private network (blink_netns): its own network
namespace, which then plays the "public" side. There a bridge carries the
public addresses (PUBLIC_NET); coturn listens on TURN_IP and relays from
RELAY_IP, a second address, so that a firewall can let a home reach the
TURN server and nothing else. A route sends the homes' private
addresses nowhere, as on the internet. Each home is two more namespaces (`ip netns
add`, named after the program's pid, deleted at the end even after a
failure): a router, whose public side is on the bridge and which
masquerades its home's network with nftables, and the home itself, where
the home's blinkd runs (`ip netns exec`). The homes' networks differ, so
no host candidate of one reaches the other.

The IPFS nodes stay on the public side, with their RPC API on TURN_IP:
blinkd reaches its node over TCP through its NAT, which every kind of NAT
here lets out, and the nodes reach each other over loopback. So pubsub
works whatever the NAT does to UDP, and only the media has to get
through.

NAT kinds (Router.set_nat):
- 'cone': masquerade alone. Linux keeps the home's source port when it is
  free, whatever the destination (endpoint-independent mapping), and lets
  in only replies to what went out (address- and port-dependent
  filtering): ICE's checks from both sides open the way (srflx).
- 'strict': masquerade with random ports (a symmetric NAT: each
  destination sees another port), and UDP only to and from the TURN
  server's own address: only a relay works.
- 'no-udp': no UDP leaves the home at all; TCP does (TURN over TCP)."""

import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time

from blink_netns import enter_private_network, inside, why_not as netns_why_not
from blink_processes import Failure, Process

PUBLIC_NET = '198.51.100'
TURN_IP = f'{PUBLIC_NET}.1'
RELAY_IP = f'{PUBLIC_NET}.10'
TURN_PORT = 3478
TURN_USER = 'blink'
TURN_REALM = 'blink.test'
BRIDGE = 'bpublic'


def why_not():
    """None if the homes and the TURN server can be made here, else the reason."""
    reason = netns_why_not()
    if reason is None and shutil.which('sysctl') is None:
        reason = 'sysctl is not installed (Debian package procps)'
    if reason is None and shutil.which('turnserver') is None:
        reason = 'turnserver is not installed (Debian package coturn)'
    return reason


def run(*argv, netns=None):
    prefix = ['ip', 'netns', 'exec', netns] if netns else []
    subprocess.run([*prefix, *argv], check=True, capture_output=True, text=True)


def nft(script, netns):
    subprocess.run(['ip', 'netns', 'exec', netns, 'nft', '-f', '-'], input=script, text=True,
                   check=True, capture_output=True)


class Router:
    """A home's network (10.0.@number.0/24) behind a router whose public
    address is PUBLIC_NET.(1 + @number)."""

    def __init__(self, network, number):
        self.network = network
        self.home = f'blink{os.getpid()}-home{number}'
        self.router = f'blink{os.getpid()}-nat{number}'
        self.public_ip = f'{PUBLIC_NET}.{1 + number}'
        self.home_ip = f'10.0.{number}.2'
        self.lan_ip = f'10.0.{number}.1'
        self.nat = None
        for netns in (self.router, self.home):
            run('ip', 'netns', 'add', netns)
            network.namespaces.append(netns)
            run('ip', 'link', 'set', 'lo', 'up', netns=netns)
        # The router's public side: a veth whose other end is on the bridge.
        outside = f'bn{number}'
        run('ip', 'link', 'add', outside, 'type', 'veth', 'peer', 'name', 'wan',
            'netns', self.router)
        run('ip', 'link', 'set', outside, 'master', BRIDGE, 'up')
        run('ip', 'addr', 'add', f'{self.public_ip}/24', 'dev', 'wan', netns=self.router)
        run('ip', 'link', 'set', 'wan', 'up', netns=self.router)
        # The home's only way out is the router.
        run('ip', 'link', 'add', 'lan', 'netns', self.router, 'type', 'veth', 'peer',
            'name', 'eth0', 'netns', self.home)
        run('ip', 'addr', 'add', f'{self.lan_ip}/24', 'dev', 'lan', netns=self.router)
        run('ip', 'link', 'set', 'lan', 'up', netns=self.router)
        run('ip', 'addr', 'add', f'{self.home_ip}/24', 'dev', 'eth0', netns=self.home)
        run('ip', 'link', 'set', 'eth0', 'up', netns=self.home)
        run('ip', 'route', 'add', 'default', 'via', self.lan_ip, netns=self.home)
        run('sysctl', '-qw', 'net.ipv4.ip_forward=1', netns=self.router)
        self.set_nat('cone')

    def set_nat(self, kind):
        """Makes the router a NAT of @kind ('cone', 'strict', 'no-udp').
        Whatever the kind, what comes to the router itself unasked is
        dropped, as home routers do. Answered with an ICMP error instead, a
        peer's check that comes before the home sent its own would leave a
        tracked connection holding the port that the home's packets to
        that peer are to be mapped to: they would get another port, and
        hole punching would never meet."""
        random = ' random' if kind == 'strict' else ''
        if kind == 'cone':
            udp = ''
        elif kind == 'strict':
            # Out only to the TURN server's listening address; in only its
            # replies (conntrack), so no other peer's packet gets in.
            udp = (f'meta l4proto udp ip daddr {TURN_IP} udp dport {TURN_PORT} accept\n'
                   f'    meta l4proto udp ct state established,related '
                   f'ip saddr {TURN_IP} udp sport {TURN_PORT} accept\n'
                   '    meta l4proto udp counter drop')
        elif kind == 'no-udp':
            udp = 'meta l4proto udp counter drop'
        else:
            raise ValueError(kind)
        nft(f'''table ip blink_nat {{}}
delete table ip blink_nat
table ip blink_nat {{
  chain postrouting {{
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" masquerade{random}
  }}
  chain forward {{
    type filter hook forward priority filter; policy accept;
    {udp}
  }}
  chain input {{
    type filter hook input priority filter; policy accept;
    iifname "wan" ct state new counter drop
  }}
}}
''', self.router)
        self.nat = kind

    def wrapper(self):
        """The argv prefix that runs a program in the home."""
        return ['ip', 'netns', 'exec', self.home]


class Turn(Process):
    """coturn on the public side, with long-term credentials (@password)."""

    def __init__(self, workdir, password):
        self.password = password
        config = os.path.join(workdir, 'turnserver.conf')
        self.log = os.path.join(workdir, 'turnserver.log')
        # Its own files only: not /etc/turnserver.conf (-c), not the
        # system's user database (userdb), log and pid file.
        with open(config, 'w') as f:
            f.write(f'''listening-ip={TURN_IP}
relay-ip={RELAY_IP}
listening-port={TURN_PORT}
min-port=49152
max-port=49999
lt-cred-mech
fingerprint
user={TURN_USER}:{password}
realm={TURN_REALM}
userdb={os.path.join(workdir, 'turndb')}
pidfile={os.path.join(workdir, 'turnserver.pid')}
log-file={self.log}
simple-log
no-cli
no-tls
no-dtls
allowed-peer-ip={PUBLIC_NET}.0-{PUBLIC_NET}.255
''')
        super().__init__('turnserver', ['turnserver', '-c', config])
        try:
            self._wait_ready()
        except Failure:
            self.stop()
            raise

    def _wait_ready(self, timeout=10):
        """Until a STUN binding request (RFC 5389) gets an answer."""
        request = struct.pack('!HHI12s', 0x0001, 0, 0x2112A442, os.urandom(12))
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.1)
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                s.sendto(request, (TURN_IP, TURN_PORT))
                try:
                    if s.recv(2048)[8:20] == request[8:20]:
                        return
                except OSError:
                    time.sleep(0.1)
        raise Failure(f'turnserver: no answer to STUN within {timeout} s' + self.stderr_tail()
                      + '\n' + self.log_tail())

    def log_tail(self, lines=10):
        try:
            with open(self.log) as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return ''

    def stun_url(self):
        return f'stun://{TURN_IP}:{TURN_PORT}'

    def turn_url(self, transport='udp'):
        url = f'turn://{TURN_USER}@{TURN_IP}:{TURN_PORT}'
        return f'{url}?transport={transport}'


class Network:
    """The public side's bridge, and the namespaces made on it; a context
    manager that deletes them all at its end."""

    def __init__(self):
        if not inside():
            raise RuntimeError('the homes go only into the private network')
        self.namespaces = []
        self.workdir = tempfile.mkdtemp(prefix='blink-nat-')
        run('ip', 'link', 'add', BRIDGE, 'type', 'bridge')
        run('ip', 'addr', 'add', f'{TURN_IP}/24', 'dev', BRIDGE)
        run('ip', 'addr', 'add', f'{RELAY_IP}/24', 'dev', BRIDGE)
        run('ip', 'link', 'set', BRIDGE, 'up')
        # The homes' private addresses lead nowhere on the public side, as
        # on the internet: packets to them are lost on the way, not refused
        # (coturn gives up on a relay whose send failed, and ICE tries the
        # peer's host candidates through the relay too).
        run('ip', 'link', 'add', 'nowhere', 'type', 'veth', 'peer', 'name', 'nowhere-end')
        run('ip', 'link', 'set', 'nowhere', 'up')
        run('ip', 'link', 'set', 'nowhere-end', 'up')
        run('ip', 'route', 'add', '10.0.0.0/8', 'dev', 'nowhere')

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def add_home(self, number):
        return Router(self, number)

    def close(self):
        # A namespace's veths go with it; the bridge goes with the private
        # network when the program exits, but is deleted here too.
        for netns in reversed(self.namespaces):
            subprocess.run(['ip', 'netns', 'delete', netns], capture_output=True)
        self.namespaces = []
        for link in (BRIDGE, 'nowhere'):
            subprocess.run(['ip', 'link', 'delete', link], capture_output=True)
        shutil.rmtree(self.workdir, ignore_errors=True)


__all__ = ['enter_private_network', 'why_not', 'Network', 'Turn', 'TURN_IP', 'RELAY_IP']
