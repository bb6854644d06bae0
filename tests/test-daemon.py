#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""blinkd and blink under real dbus-daemons, with real IPFS nodes.

Two daemons (alice and bob: two identities, two IPFS nodes, two session
buses) call each other through the D-Bus API only, with generic clients
(gdbus); then the `blink` command line against them; then SIGTERM during a
call. TAP output. Needs BLINKD, BLINK and BLINK_DBUS_XML in the
environment (meson sets them)."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blink_processes import (DEFAULT_KIND, Failure, IpfsNode, Process, start_bus,  # noqa: E402
                             start_ipfs_pair, watch_event)

BLINKD = os.environ['BLINKD']
BLINK = os.environ['BLINK']
XML = os.environ['BLINK_DBUS_XML']
NAME = 'im.blink.Blink1'
ROOT = '/im/blink/Blink1'


class Party:
    """A blinkd on its own bus; @api None: blinkd finds the node as users' do."""

    def __init__(self, name, workdir, api, started, **env):
        self.name = name
        home = os.path.join(workdir, name)
        os.makedirs(home)
        self.bus, address = start_bus(f'bus of {name}', home)
        started.append(self.bus)
        self.env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address,
                        XDG_CONFIG_HOME=os.path.join(home, 'config'),
                        XDG_STATE_HOME=os.path.join(home, 'state'), **env)
        for variable in ('BLINK_IPFS_API', 'IPFS_API'):
            self.env.pop(variable, None)
        self.api = api
        self.started = started
        self.monitor = Process(f'gdbus monitor of {name}',
                               ['gdbus', 'monitor', '--session', '--dest', NAME], env=self.env)
        started.append(self.monitor)
        self.start_daemon()

    def start_daemon(self, sink='null'):
        api = ['--ipfs-api', self.api] if self.api else []
        self.daemon = Process(f'blinkd of {self.name}', [
            BLINKD, *api, '--audio-source', 'tone:440', '--audio-sink', sink,
            '--ice-address', '127.0.0.1'], env=self.env)
        self.started.append(self.daemon)
        subprocess.run(['gdbus', 'wait', '--session', '--timeout', '15', NAME], env=self.env,
                       check=True, timeout=20)
        self.did = self.get(ROOT, 'im.blink.Manager1', 'Did')

    def gdbus(self, path, method, *args, check=True):
        result = subprocess.run(['gdbus', 'call', '--session', '--dest', NAME, '--object-path',
                                 path, '--method', method, *args],
                                env=self.env, text=True, capture_output=True, timeout=20)
        if check and result.returncode != 0:
            raise Failure(f'{self.name}: {method} failed: {result.stderr.strip()}')
        return result

    def get(self, path, interface, prop):
        out = self.gdbus(path, 'org.freedesktop.DBus.Properties.Get', interface, prop).stdout
        m = re.match(r"\(<(?:objectpath )?'(.*)'>,\)", out.strip())
        if m is None:
            raise Failure(f'unexpected reply {out!r}')
        return m.group(1)

    def managed_objects(self):
        out = self.gdbus(ROOT, 'org.freedesktop.DBus.ObjectManager.GetManagedObjects').stdout
        return re.findall(r"objectpath '([^']+)'", out)

    def blink(self, *words, env=None):
        return subprocess.run([BLINK, *words], env=env or self.env, text=True,
                              capture_output=True, timeout=30)

    def wait_ipfs(self, state, peers, timeout=10):
        """`blink status --json` until its IPFS node is in @state with
        @peers peers or more; returns that status."""
        status = {}

        def reached():
            status.update(json.loads(self.blink('status', '--json').stdout))
            return status['ipfs']['state'] == state and status['ipfs']['peers'] >= peers
        wait_until(reached, timeout, f'{self.name}: IPFS node {state} with {peers} peers '
                   f'({status.get("ipfs")})')
        return status['ipfs']

    def wait_signal(self, pattern, timeout=20):
        return self.monitor.expect(lambda line: re.search(pattern, line), timeout,
                                   f'signal matching {pattern}')


def expect_error(result, name):
    if result.returncode == 0 or name not in result.stderr:
        raise Failure(f'expected {name}, got {result.returncode}: {result.stderr.strip()}'
                      f'{result.stdout.strip()}')


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise Failure(f'no {what} within {timeout} s')
        time.sleep(0.05)


# ---- the tests, in order: they share the daemons ----

def test_interfaces_match_xml(alice, bob):
    """The running daemon offers what data/im.blink.Blink1.xml declares."""
    declared = {i.get('name'): sorted(c.get('name') for c in i if c.tag != 'annotation')
                for i in ET.parse(XML).getroot().iter('interface')}
    out = subprocess.run(['gdbus', 'introspect', '--session', '--dest', NAME, '--object-path',
                          ROOT, '--xml'], env=alice.env, text=True, capture_output=True,
                         check=True).stdout
    running = {i.get('name'): sorted(c.get('name') for c in i if c.tag != 'annotation')
               for i in ET.fromstring(out).iter('interface')}
    if running.get('im.blink.Manager1') != declared['im.blink.Manager1']:
        raise Failure(f'Manager1 differs: {running.get("im.blink.Manager1")}')
    if 'org.freedesktop.DBus.ObjectManager' not in running:
        raise Failure('no ObjectManager at ' + ROOT)


def test_bad_calls_change_nothing(alice, bob):
    before = alice.managed_objects()
    expect_error(alice.gdbus(ROOT, 'im.blink.Manager1.Offer', "['did:key:zNotAKey']",
                             check=False), 'im.blink.Error.BadDid')
    expect_error(alice.gdbus(ROOT, 'im.blink.Manager1.Offer', '@as []', check=False),
                 'im.blink.Error.BadDid')
    expect_error(alice.gdbus(ROOT, 'im.blink.Manager1.Offer', f"['{alice.did}']", check=False),
                 'im.blink.Error.BadDid')
    expect_error(alice.gdbus(ROOT, 'im.blink.Manager1.Hangup', check=False),
                 'im.blink.Error.NoSuchCall')
    expect_error(alice.gdbus(ROOT + '/Call/0123456789abcdef', 'im.blink.Call1.Accept',
                             check=False), 'org.freedesktop.DBus.Error.UnknownMethod')
    if alice.managed_objects() != before or alice.get(ROOT, 'im.blink.Manager1',
                                                      'ActiveCall') != '/':
        raise Failure('a refused call changed the daemon')


def test_call_through_dbus(alice, bob):
    out = alice.gdbus(ROOT, 'im.blink.Manager1.Offer', f"['{bob.did}']").stdout
    path = re.search(r"objectpath '([^']+)'", out).group(1)
    call = path.rsplit('/', 1)[1]
    alice.wait_signal(rf"InterfacesAdded \(objectpath '{path}'")
    bob.wait_signal(rf"InterfacesAdded \(objectpath '{path}'")
    bob.wait_signal(rf"IncomingCall \(objectpath '{path}', '{alice.did}'")
    # Accepting one's own outgoing call is refused and changes nothing.
    expect_error(alice.gdbus(path, 'im.blink.Call1.Accept', check=False),
                 'im.blink.Error.NoSuchCall')
    if alice.get(path, 'im.blink.Call1', 'State') != 'ringing':
        raise Failure('the refused Accept changed the call')
    bob.gdbus(path, 'im.blink.Call1.Accept')
    for me, other in ((alice, bob), (bob, alice)):
        me.wait_signal(rf"{path}: org.freedesktop.DBus.Properties.PropertiesChanged .*"
                       rf"\('{other.did}', 'connected'")
        wait_until(lambda: me.get(path, 'im.blink.Call1', 'State') == 'started', 10,
                   f'{me.name}: call started')
    if alice.get(ROOT, 'im.blink.Manager1', 'ActiveCall') != path:
        raise Failure('ActiveCall is not the call')
    stats = alice.gdbus(path, 'im.blink.Call1.GetStats').stdout
    if bob.did not in stats or 'packets-received' not in stats or 'packets-sent' not in stats:
        raise Failure(f'GetStats: {stats}')

    # Both read the same six digits, each about the other.
    codes = {}
    for me, other in ((alice, bob), (bob, alice)):
        out = me.gdbus(path, 'org.freedesktop.DBus.Properties.Get', 'im.blink.Call1',
                       'Verification').stdout
        m = re.search(rf"\('{other.did}', '(\d{{3}} \d{{3}})', false\)", out)
        if m is None:
            raise Failure(f'{me.name}: Verification {out!r}')
        codes[me.name] = m.group(1)
    if codes['alice'] != codes['bob']:
        raise Failure(f'the verification codes differ: {codes}')
    # Alice says they match: remembered, shown on the call at once.
    alice.gdbus(ROOT, 'im.blink.Manager1.SetVerified', bob.did, 'true')
    wait_until(lambda: f"('{bob.did}', '{codes['alice']}', true)" in alice.gdbus(
        path, 'org.freedesktop.DBus.Properties.Get', 'im.blink.Call1', 'Verification').stdout,
        5, 'alice: bob verified on the call')
    if bob.did not in alice.gdbus(ROOT, 'org.freedesktop.DBus.Properties.Get',
                                  'im.blink.Manager1', 'Verified').stdout:
        raise Failure('Verified does not list bob')
    expect_error(alice.gdbus(ROOT, 'im.blink.Manager1.SetVerified', 'did:key:zNope', 'true',
                             check=False), 'im.blink.Error.BadDid')
    alice.gdbus(path, 'im.blink.Call1.Hangup')
    for me in (alice, bob):
        me.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'")
        if path in me.managed_objects():
            raise Failure(f'{me.name} still lists the call')



def test_cli(alice, bob):
    result = alice.blink('id')
    if result.returncode != 0 or result.stdout.strip() != alice.did:
        raise Failure(f'blink id: {result.returncode} {result.stdout!r}')
    ipfs = alice.wait_ipfs('connected', 1)
    if ipfs['api'] != alice.api.replace('/ip4/', 'http://').replace('/tcp/', ':'):
        raise Failure(f'blink status: IPFS node {ipfs}')
    text = alice.blink('status').stdout
    if f'IPFS node {ipfs["api"]}: connected, 1 peers' not in text:
        raise Failure(f'blink status: {text!r}')
    result = alice.blink('call', 'did:key:nonsense')
    if result.returncode != 1 or 'not a Blink address' not in result.stderr:
        raise Failure(f'blink call with a bad DID: {result.returncode} {result.stderr!r}')
    for words in (('answer',), ('decline',), ('hangup',), ('stats',)):
        result = alice.blink(*words)
        if result.returncode != 1 or not result.stderr.startswith('blink: '):
            raise Failure(f'blink {words[0]} without a call: {result.returncode} '
                          f'{result.stderr!r}')
    result = alice.blink('frobnicate')
    if result.returncode != 2:
        raise Failure(f'blink frobnicate: {result.returncode}')
    help_text = alice.blink('--help').stdout
    if 'Examples:' not in help_text or 'blink call did:key:' not in help_text:
        raise Failure('--help has no examples')

    watches = {p.name: Process(f'blink watch of {p.name}', [BLINK, 'watch', '--json'],
                               env=p.env) for p in (alice, bob)}
    alice.started.extend(watches.values())
    time.sleep(0.3)
    result = alice.blink('call', bob.did)
    if result.returncode != 0 or not re.fullmatch(r'[0-9a-f]{32}', result.stdout.strip()):
        raise Failure(f'blink call: {result.returncode} {result.stdout!r} {result.stderr!r}')
    call = result.stdout.strip()

    def event(name, kind, **fields):
        return watch_event(watches[name], kind, **fields)

    event('bob', 'incoming-call', call=call)
    status = json.loads(bob.blink('status', '--json').stdout)
    if [c['call'] for c in status['calls']] != [call] or status['did'] != bob.did:
        raise Failure(f'blink status --json: {status}')
    text = bob.blink('status').stdout
    if f'Call {call}: ringing, incoming' not in text:
        raise Failure(f'blink status: {text!r}')
    result = bob.blink('answer')
    if result.returncode != 0 or result.stdout.strip() != call:
        raise Failure(f'blink answer: {result.returncode} {result.stderr!r}')
    event('alice', 'participant', call=call, did=bob.did, **{'participant-state': 'connected'})
    event('bob', 'call-state', call=call, state='started')
    result = bob.blink('stats')
    if result.returncode != 0 or alice.did not in result.stdout:
        raise Failure(f'blink stats: {result.returncode} {result.stdout!r}')
    if bob.blink('hangup').returncode != 0:
        raise Failure('blink hangup failed')
    event('alice', 'participant', call=call, did=bob.did, **{'participant-state': 'left'})
    event('alice', 'call-removed', call=call)
    event('bob', 'call-removed', call=call)
    for w in watches.values():
        w.stop(timeout=5)

    # No daemon on a bus: exit status 3 and what to do.
    nobody = dict(alice.env, DBUS_SESSION_BUS_ADDRESS=alice.third_bus)
    result = alice.blink('status', env=nobody)
    if result.returncode != 3 or 'blinkd is not running' not in result.stderr:
        raise Failure(f'blink status without blinkd: {result.returncode} {result.stderr!r}')


def test_verified_survives_a_restart(alice, bob):
    """What the user verified is remembered by blinkd across restarts, and
    shown by `blink status` on the next call."""
    alice.daemon.stop()
    alice.start_daemon()
    if bob.did not in alice.gdbus(ROOT, 'org.freedesktop.DBus.Properties.Get',
                                  'im.blink.Manager1', 'Verified').stdout:
        raise Failure('the verified address was forgotten by the restart')
    out = alice.gdbus(ROOT, 'im.blink.Manager1.Offer', f"['{bob.did}']").stdout
    path = re.search(r"objectpath '([^']+)'", out).group(1)
    bob.wait_signal(rf"IncomingCall \(objectpath '{path}'")
    bob.gdbus(path, 'im.blink.Call1.Accept')
    alice.wait_signal(rf"\('{bob.did}', 'connected'")
    wait_until(lambda: 'verified' in alice.blink('status').stdout.replace('not verified', ''),
               10, 'blink status showing bob verified')
    status = alice.blink('status').stdout
    if not re.search(rf'{bob.did} connected, code \d{{3}} \d{{3}}, verified', status):
        raise Failure(f'blink status: {status!r}')
    if alice.blink('unverify', bob.did).returncode != 0:
        raise Failure('blink unverify failed')
    alice.gdbus(path, 'im.blink.Call1.Hangup')
    for me in (alice, bob):
        me.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'")
def test_kubo_comes_up_late(alice, bob):
    """blinkd started before its Kubo, with a stale API file left by a Kubo
    that did not stop: calling says what to do; once Kubo is up at that
    address, blinkd finds it by itself and gets calls."""
    repo = os.path.join(alice.workdir, 'carol-ipfs')
    os.makedirs(repo)
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    with open(os.path.join(repo, 'api'), 'w') as f:
        f.write(f'/ip4/127.0.0.1/tcp/{port}')
    carol = Party('carol', alice.workdir, None, alice.started, IPFS_PATH=repo)
    call = None
    try:
        result = carol.blink('call', bob.did)
        if (result.returncode != 1 or 'ipfs config --json Pubsub.Enabled true' not in result.stderr
                or '--enable-pubsub-experiment' in result.stderr):
            raise Failure(f'blink call without Kubo: {result.returncode} {result.stderr!r}')
        ipfs = carol.wait_ipfs('unreachable', 0)
        text = carol.blink('status').stdout
        if (ipfs['api'] != f'http://127.0.0.1:{port}'
                or 'ipfs config --json Pubsub.Enabled true' not in text):
            raise Failure(f'blink status without Kubo: {ipfs} {text!r}')

        if DEFAULT_KIND == 'kubo':
            # Kubo as it comes, with pubsub off: blink status says so.
            node = IpfsNode('ipfs node of carol, pubsub off', 'kubo', alice.swarm, repo=repo,
                            api=f'127.0.0.1:{port}', pubsub_off=True)
            alice.started.append(node)
            carol.wait_ipfs('pubsub-off', 0)
            if 'Its pubsub is off' not in carol.blink('status').stdout:
                raise Failure('blink status does not say that pubsub is off')
            node.stop(keep_repo=True)

        node = IpfsNode('ipfs node of carol', DEFAULT_KIND, alice.swarm, repo=repo,
                        api=f'127.0.0.1:{port}')
        alice.started.append(node)
        node.expect(lambda line: re.match(r'Peers: [1-9]', line), 15, 'peer')
        carol.wait_ipfs('connected', 1)
        watch = Process('blink watch of carol', [BLINK, 'watch', '--json'], env=carol.env)
        alice.started.append(watch)
        # Until carol's blinkd is subscribed again, an offer to it is lost:
        # alice's daemon resends it, for as long as the call rings.
        result = alice.blink('call', carol.did)
        if result.returncode != 0:
            raise Failure(f'blink call carol: {result.returncode} {result.stderr!r}')
        call = result.stdout.strip()
        watch_event(watch, 'incoming-call', timeout=15, call=call)
    finally:
        if call is not None:
            alice.blink('hangup')
            wait_until(lambda: not json.loads(alice.blink('status', '--json').stdout)['calls'],
                       10, 'alice: the call to carol removed')
        carol.daemon.stop()


def test_sigterm_during_call(alice, bob):
    out = alice.gdbus(ROOT, 'im.blink.Manager1.Offer', f"['{bob.did}']").stdout
    path = re.search(r"objectpath '([^']+)'", out).group(1)
    bob.wait_signal(rf"IncomingCall \(objectpath '{path}'")
    bob.gdbus(path, 'im.blink.Call1.Accept')
    bob.wait_signal(rf"\('{alice.did}', 'connected'")
    killed = time.monotonic()
    alice.daemon.proc.terminate()
    bob.wait_signal(rf"\('{alice.did}', 'left'", timeout=2)
    left_after = time.monotonic() - killed
    status = alice.daemon.proc.wait(10)
    if status != 0:
        raise Failure(f'blinkd exited with {status} after SIGTERM')
    bob.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'", timeout=10)
    return f'left after {left_after * 1000:.0f} ms'


def test_device_failure_reaches_dbus(alice, bob):
    """A speaker that fails during a call ends it with im.blink.Error.Device,
    on the bus (CallFailed) and in `blink watch`."""
    # Fails after 20 buffers (0.2 s) of playback: a speaker unplugged.
    alice.start_daemon(sink='identity error-after=20 ! fakesink')
    watch = Process('blink watch of alice', [BLINK, 'watch', '--json'], env=alice.env)
    alice.started.append(watch)
    time.sleep(0.3)
    out = alice.gdbus(ROOT, 'im.blink.Manager1.Offer', f"['{bob.did}']").stdout
    path = re.search(r"objectpath '([^']+)'", out).group(1)
    call = path.rsplit('/', 1)[1]
    alice.wait_signal(rf"CallFailed \(objectpath '{path}', 'im.blink.Error.Device'")
    failed = watch_event(watch, 'call-failed', call=call)
    if 'audio device' not in failed.get('detail', ''):
        raise Failure(f'blink watch: {failed}')
    alice.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'", timeout=10)
    if alice.get(ROOT, 'im.blink.Manager1', 'ActiveCall') != '/':
        raise Failure('the failed call is still active')
    watch.stop(timeout=5)


def test_turn_password_not_on_the_command_line(alice, bob):
    """A TURN password on the command line is refused (every local user can
    read /proc/PID/cmdline); from a file it is taken and stays out of it."""
    env = dict(alice.env, DBUS_SESSION_BUS_ADDRESS=alice.third_bus)
    argv = [BLINKD, '--ipfs-api', alice.api, '--audio-source', 'silence', '--audio-sink', 'null']
    result = subprocess.run(argv + ['--turn-server', 'turn://alice:s3cret@127.0.0.1:3478'],
                            env=env, text=True, capture_output=True, timeout=20)
    if result.returncode != 2 or 'BLINK_TURN_PASSWORD' not in result.stderr:
        raise Failure(f'password on the command line: {result.returncode} {result.stderr!r}')
    result = subprocess.run(argv + ['--turn-server', 'turn://alice@127.0.0.1:3478'],
                            env=dict(env, BLINK_TURN_PASSWORD=''), text=True,
                            capture_output=True, timeout=20)
    if result.returncode != 2 or 'password' not in result.stderr:
        raise Failure(f'no password: {result.returncode} {result.stderr!r}')

    secret = os.path.join(os.path.dirname(alice.env['XDG_CONFIG_HOME']), 'turn-password')
    with open(secret, 'w') as f:
        f.write('s3cret-from-a-file\n')
    daemon = Process('blinkd with TURN', argv + ['--turn-server', 'turn://alice@127.0.0.1:3478',
                                               '--turn-password-file', secret], env=env)
    alice.started.append(daemon)
    subprocess.run(['gdbus', 'wait', '--session', '--timeout', '15', NAME], env=env, check=True,
                   timeout=20)
    with open(f'/proc/{daemon.proc.pid}/cmdline', 'rb') as f:
        if b's3cret' in f.read():
            raise Failure('the TURN password is on the command line')
    if daemon.stop() != 0:
        raise Failure('blinkd with a TURN password file did not stop cleanly')


def main():
    tests = [test_interfaces_match_xml, test_bad_calls_change_nothing, test_call_through_dbus,
             test_cli, test_kubo_comes_up_late, test_verified_survives_a_restart,
             test_sigterm_during_call, test_device_failure_reaches_dbus,
             test_turn_password_not_on_the_command_line]
    print(f'1..{len(tests)}', flush=True)
    workdir = tempfile.mkdtemp(prefix='blink-test-daemon-')
    started = []
    failed = 0
    try:
        info_a, info_b = start_ipfs_pair(started)
        alice = Party('alice', workdir, info_a['api'], started)
        alice.workdir, alice.swarm = workdir, info_a['swarm']
        bob = Party('bob', workdir, info_b['api'], started)
        os.makedirs(os.path.join(workdir, 'nobody'))
        third, alice.third_bus = start_bus('bus without blinkd', os.path.join(workdir, 'nobody'))
        started.append(third)
        for i, test in enumerate(tests, 1):
            name = test.__name__[len('test_'):].replace('_', '-')
            try:
                detail = test(alice, bob)
                print(f'ok {i} /blink/daemon/{name}' + (f' # {detail}' if detail else ''),
                      flush=True)
            except (Failure, subprocess.SubprocessError, json.JSONDecodeError) as e:
                failed += 1
                print(f'not ok {i} /blink/daemon/{name}', flush=True)
                for line in str(e).splitlines():
                    print(f'# {line}', flush=True)
                for p in (alice, bob):
                    for line in p.daemon.stderr[-10:]:
                        print(f'# {p.name}: {line}', flush=True)
    finally:
        for process in reversed(started):
            process.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
