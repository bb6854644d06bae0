#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Kubo for Blink's tests and demo: the pinned build, and one node of a
local test network.

  kubo_node.py --install     build the pinned Kubo unless it is built already;
                             print its path
  kubo_node.py --binary      print where the pinned Kubo is (built or not)
  kubo_node.py --repo DIR [--api HOST:PORT] [--peer MULTIADDR]... [--exit-with-stdin]
               [--pubsub-off]
                             run one node

A node is a real `ipfs daemon` with its own repo (`IPFS_PATH`, made with
`ipfs init --profile=test` on first use), pubsub on, no bootstrap peers, no
mDNS, no routing, no relay, no NAT port mapping, no AutoNAT, no telemetry,
TCP only, listening and announcing on loopback only. It prints the lines of
tests/ipfs-node/ipfs-node.mjs, so that the harnesses start either kind alike:
"RPC API server listening on <multiaddr>", "PeerID: <id>", "Swarm listening
on <multiaddr>/p2p/<id>", "Daemon is ready", then "Peers: <n>" whenever the
number of connected peers changes. After "Daemon is ready" it connects to
every --peer with `swarm/connect`.

The daemon dies with this process, whatever way it ends (PR_SET_PDEATHSIG).
"""

import argparse
import ctypes
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

VERSION = '0.43.0'
MODULE = 'github.com/ipfs/kubo'

PR_SET_PDEATHSIG = 1
PEERS_POLL_S = 0.1
# Kubo's graceful stop waits up to 30 s for open pubsub/sub streams, which
# it does not end itself: a test node gets this long, then SIGKILL.
STOP_GRACE_S = 2


def cache_dir():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'blink', f'kubo-v{VERSION}')


def binary():
    return os.environ.get('BLINK_KUBO') or os.path.join(cache_dir(), 'ipfs')


def installed_version(path):
    try:
        result = subprocess.run([path, 'version', '--number'], capture_output=True, text=True,
                                timeout=30, env=dict(os.environ, IPFS_TELEMETRY='off'))
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def go_binary():
    for candidate in ('/usr/local/go/bin/go', shutil.which('go')):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    sys.exit('kubo_node.py: no Go found (install golang-go, or Go in /usr/local/go)')


def go_version(go):
    """(major, minor) of @go"""
    out = subprocess.run([go, 'env', 'GOVERSION'], capture_output=True, text=True,
                         env=dict(os.environ, GOTOOLCHAIN='local')).stdout
    match = re.match(r'go(\d+)\.(\d+)', out.strip())
    return (int(match[1]), int(match[2])) if match else (0, 0)


def go_download(go, module, env):
    """The folder of @module (path@version) in the module cache."""
    return json.loads(subprocess.run([go, 'mod', 'download', '-json', module], env=env,
                                     check=True, capture_output=True, text=True).stdout)['Dir']


def toolchain_for(go, module_dir, env):
    """A Go that builds the module in @module_dir: @go itself when it can
    switch toolchains by itself (Go 1.21 on), else the toolchain that the
    module's go.mod asks for, from the module proxy, where it is the module
    golang.org/toolchain. Debian 12 has Go 1.19."""
    if go_version(go) >= (1, 21):
        return go
    with open(os.path.join(module_dir, 'go.mod')) as f:
        wanted = re.search(r'^go (\S+)$', f.read(), re.M)[1]
    arch = {'x86_64': 'amd64', 'aarch64': 'arm64'}.get(os.uname().machine, os.uname().machine)
    root = go_download(go, f'golang.org/toolchain@v0.0.1-go{wanted}.linux-{arch}', env)
    # Module zips keep no file modes: the commands must be made executable
    # again, as the go command does when it switches toolchains.
    for folder in ('bin', os.path.join('pkg', 'tool', f'linux_{arch}')):
        for name in os.listdir(os.path.join(root, folder)):
            os.chmod(os.path.join(root, folder, name), 0o555)
    return os.path.join(root, 'bin', 'go')


def install():
    """Builds the pinned Kubo from its Go module, once."""
    path = binary()
    if installed_version(path) == VERSION:
        return path
    go = go_binary()
    print(f'kubo_node.py: building Kubo {VERSION} with {go} (once; see README)',
          file=sys.stderr, flush=True)
    env = dict(os.environ, GOFLAGS='-mod=readonly', GOTOOLCHAIN='auto')
    # `go install MODULE/cmd/ipfs@VERSION` refuses Kubo since 0.41: its go.mod
    # has an exclude directive. Built as the main module in its own folder,
    # as Kubo's Makefile does, its go.mod and go.sum apply unchanged.
    module_dir = go_download(go, f'{MODULE}@v{VERSION}', env)
    go = toolchain_for(go, module_dir, env)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = path + '.partial'
    subprocess.run([go, 'build', '-trimpath', '-o', partial, './cmd/ipfs'],
                   cwd=module_dir, env=env, check=True)
    os.replace(partial, path)
    if installed_version(path) != VERSION:
        sys.exit(f'kubo_node.py: {path} does not say it is Kubo {VERSION}')
    return path


def die_with_parent():
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def configure(repo, api, swarm_port, pubsub=True):
    """Sets the repo's config so that the node reaches nothing but loopback."""
    path = os.path.join(repo, 'config')
    with open(path) as f:
        config = json.load(f)
    host, port = api.rsplit(':', 1)
    swarm = [f'/ip4/127.0.0.1/tcp/{swarm_port}']
    config['Addresses'].update(API=[f'/ip4/{host}/tcp/{port}'], Gateway=[], Swarm=swarm,
                               Announce=swarm, AppendAnnounce=[], NoAnnounce=[])
    config['Bootstrap'] = []
    config['Peering'] = {'Peers': []}
    config['Discovery'] = {'MDNS': {'Enabled': False}}
    config['Routing'] = {'Type': 'none'}
    config['Pubsub'] = {'Enabled': pubsub, 'Router': 'gossipsub'}
    config['AutoNAT'] = {'ServiceMode': 'disabled'}
    config['AutoConf'] = {'Enabled': False}
    config['AutoTLS'] = {'Enabled': False}
    config['Provide'] = {'Enabled': False}
    config['HTTPRetrieval'] = {'Enabled': False}
    config['Swarm'].update(
        DisableNatPortMap=True, EnableHolePunching=False,
        RelayClient={'Enabled': False}, RelayService={'Enabled': False},
        Transports={'Network': {'TCP': True, 'QUIC': False, 'Websocket': False,
                                'WebTransport': False, 'WebRTCDirect': False,
                                'Relay': False}})
    config['Plugins'] = {'Plugins': {'telemetry': {'Disabled': True}}}
    with open(path + '.new', 'w') as f:
        json.dump(config, f, indent=2)
    os.replace(path + '.new', path)


def wait_for_previous_daemon(repo):
    """A daemon killed with its parent may still hold the repo for a moment."""
    try:
        with open(os.path.join(repo, 'daemon.pid')) as f:
            pid = int(f.read())
        if not os.readlink(f'/proc/{pid}/exe').endswith('/ipfs'):
            return
        fd = os.pidfd_open(pid)
    except (OSError, ValueError):
        return
    try:
        select.select([fd], [], [], 10)
    finally:
        os.close(fd)


def rpc(api, command, arg=None):
    url = f'{api}/api/v0/{command}'
    if arg is not None:
        url += '?arg=' + urllib.parse.quote(arg, safe='')
    with urllib.request.urlopen(urllib.request.Request(url, method='POST'), timeout=15) as r:
        return json.load(r)


def say(line):
    print(line, flush=True)


def run(args):
    ipfs = binary()
    repo = args.repo
    env = dict(os.environ, IPFS_PATH=repo, IPFS_TELEMETRY='off')
    for name in ('IPFS_API', 'BLINK_IPFS_API'):
        env.pop(name, None)
    if not os.path.exists(os.path.join(repo, 'config')):
        subprocess.run([ipfs, 'init', '--profile=test', '--empty-repo'], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    wait_for_previous_daemon(repo)
    swarm_port = free_port()
    configure(repo, args.api, swarm_port, pubsub=not args.pubsub_off)

    daemon = subprocess.Popen([ipfs, 'daemon'], env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, text=True, preexec_fn=die_with_parent)
    with open(os.path.join(repo, 'daemon.pid'), 'w') as f:
        f.write(str(daemon.pid))

    def stop(*_):
        daemon.terminate()
        timer = threading.Timer(STOP_GRACE_S, daemon.kill)
        timer.daemon = True
        timer.start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_with_stdin:
        def watch_stdin():
            while os.read(0, 4096):
                pass
            stop()
        threading.Thread(target=watch_stdin, daemon=True).start()

    api = peer_id = None
    for line in daemon.stdout:
        line = line.rstrip('\n')
        if line.startswith('PeerID: '):
            peer_id = line[8:]
            say(line)
        elif line.startswith('RPC API server listening on /ip4/'):
            parts = line.split('/')
            api = f'http://{parts[2]}:{parts[4]}'
            say(line)
        elif line == 'Daemon is ready':
            say(f'Swarm listening on /ip4/127.0.0.1/tcp/{swarm_port}/p2p/{peer_id}')
            say(line)
            for peer in args.peer:
                rpc(api, 'swarm/connect', peer)
            threading.Thread(target=report_peers, args=(api, daemon), daemon=True).start()
    status = daemon.wait()
    os.unlink(os.path.join(repo, 'daemon.pid'))
    sys.exit(status)


def report_peers(api, daemon):
    """Prints "Peers: <n>" whenever the number of connected peers changes.
    Kubo has no event for it over RPC: ask every 100 ms."""
    stopped = threading.Event()
    count = None
    while daemon.poll() is None:
        try:
            now = len(rpc(api, 'swarm/peers').get('Peers') or [])
        except OSError:
            return
        if now != count:
            count = now
            say(f'Peers: {count}')
        stopped.wait(PEERS_POLL_S)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--install', action='store_true')
    parser.add_argument('--binary', action='store_true')
    parser.add_argument('--repo')
    parser.add_argument('--api', default='127.0.0.1:0')
    parser.add_argument('--peer', action='append', default=[])
    parser.add_argument('--exit-with-stdin', action='store_true')
    parser.add_argument('--pubsub-off', action='store_true',
                        help='leave pubsub turned off, as Kubo has it by default')
    args = parser.parse_args()
    if args.install:
        print(install())
    elif args.binary:
        print(binary())
    else:
        if args.repo is None:
            parser.error('--repo is required to run a node')
        run(args)


if __name__ == '__main__':
    main()
