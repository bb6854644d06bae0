#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Calls between homes behind NATs, with coturn as STUN and TURN server
(tests/blink_nat.py has the network): each case sets both NATs, starts
both blinkd with its STUN/TURN options, makes a call, checks audio both
ways and which way it took (GetStats "path", `blink stats --json`).
TAP output; skipped without root, nft, ip or turnserver. Needs BLINKD and
BLINK in the environment (meson sets them)."""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blink_nat  # noqa: E402
from blink_nat import TURN_IP, Network, Turn  # noqa: E402
from blink_party import (ROOT, Party, connect, hang_up, offer,  # noqa: E402
                         packets_received, run_tap, stats_of, wait_for_tone, wait_until)
from blink_processes import Failure, start_ipfs_node  # noqa: E402

PASSWORD = 'nat-test-secret'
# What the NAT test gives a call that cannot connect before it must have
# failed: libnice gives up on its checks after some seconds, and webrtcbin
# then reports the connection failed.
FAIL_S = 60

NET = {}

# libnice 0.1.21 warns when GStreamer 1.22's webrtcbin lets go of an ICE
# agent that holds TURN allocations ("We still have alive TURN refreshes":
# webrtcbin does not prune them, and the server lets them expire): a
# warning at every hang-up of a relayed call, harmless. It must not abort
# the daemons as the test environment's fatal-warnings would; every other
# warning still fails the test (check_warnings).
NON_FATAL_DEBUG = ','.join(flag for flag in os.environ.get('G_DEBUG', '').split(',')
                           if flag and flag != 'fatal-warnings')
KNOWN_WARNING = 'We still have alive TURN refreshes'


def check_warnings(party):
    """Fails on a warning or critical of @party's blinkd but the known one."""
    for line in party.daemon.stderr:
        if re.search(r'-(WARNING|CRITICAL) \*\*', line) and KNOWN_WARNING not in line:
            raise Failure(f'{party.name}: {line}')


def restart(party, nat, args, env=None):
    """@party's router made a NAT of @nat, its blinkd started again with
    @args (and @env), so that the next call uses them."""
    party.router.set_nat(nat)
    party.daemon.stop()
    check_warnings(party)
    party.env.pop('BLINK_TURN_PASSWORD', None)
    party.env.update(env or {})
    party.daemon_args = list(args)
    party.start_daemon()
    party.wait_ipfs('connected', 1, timeout=30)


def password_file(name, password):
    path = os.path.join(NET['workdir'], f'{name}-turn-password')
    with open(path, 'w') as f:
        f.write(password + '\n')
    os.chmod(path, 0o600)
    return path


def call_through(alice, bob, expected):
    """Alice calls bob: both connect, hear each other, and both report the
    path @expected. Returns the detail for the TAP line."""
    start = time.monotonic()
    call = connect(alice, bob)
    setup = time.monotonic() - start
    for me, other in ((alice, bob), (bob, alice)):
        wait_until(lambda: packets_received(me, other) > 50, 20,
                   f'{me.name}: packets from {other.name}')
        wait_for_tone(me, other.tone, f'from {other.name}', within=5)
    paths = {}
    for me, other in ((alice, bob), (bob, alice)):
        entry = {}

        def selected():
            entry.update(stats_of(me, other))
            return entry.get('path')
        wait_until(selected, 5, f'{me.name}: a path to {other.name}')
        paths[me.name] = entry['path']
        if entry['path'] != expected:
            raise Failure(f'{me.name}: path {entry["path"]} (ours {entry["local-candidate"]}, '
                          f'theirs {entry["remote-candidate"]}), expected {expected}')
    hang_up(alice, bob, call)
    return f'alice {paths["alice"]}, bob {paths["bob"]}, connected in {setup:.1f} s'


def test_cone_nats_srflx(alice, bob):
    """Both behind endpoint-independent NATs, with STUN only: the NATs'
    mappings carry the call (srflx), no relay is needed."""
    stun = ['--stun-server', NET['turn'].stun_url()]
    for party in (alice, bob):
        restart(party, 'cone', stun)
    return call_through(alice, bob, 'srflx')


def test_strangers_relayed_contacts_not(alice, bob):
    """Behind the same cone NATs, with a TURN server as well: strangers to
    each other, both only use the relay (blinkd's default, --relay
    strangers), so neither learns the other's addresses; once each has the
    other as a contact, the NATs' mappings carry the call again."""
    turn = NET['turn']
    args = ['--stun-server', turn.stun_url(), '--turn-server', turn.turn_url()]
    for party in (alice, bob):
        restart(party, 'cone', args, env={'BLINK_TURN_PASSWORD': PASSWORD})
        if party.get(ROOT, 'im.blink.Manager1', 'Relay') != 'strangers':
            raise Failure(f'{party.name}: Relay is not "strangers" by default')
    strangers = call_through(alice, bob, 'relay-udp')
    for me, other in ((alice, bob), (bob, alice)):
        result = me.blink('contacts', 'add', other.did, other.name)
        if result.returncode != 0:
            raise Failure(f'{me.name}: blink contacts add: {result.stderr!r}')
    contacts = call_through(alice, bob, 'srflx')
    for me, other in ((alice, bob), (bob, alice)):
        me.blink('contacts', 'remove', other.did)
    return f'strangers: {strangers}; contacts: {contacts}'


def test_strict_nats_relay_udp(alice, bob):
    """Both behind symmetric NATs that let UDP reach only the TURN server:
    each side relays over UDP. Alice's password comes from a file, bob's
    from the environment."""
    turn = NET['turn']
    restart(alice, 'strict', ['--turn-server', turn.turn_url(),
                              '--turn-password-file', password_file('alice', PASSWORD)])
    restart(bob, 'strict', ['--turn-server', turn.turn_url()],
            env={'BLINK_TURN_PASSWORD': PASSWORD})
    return call_through(alice, bob, 'relay-udp')


def test_udp_blocked_relay_tcp(alice, bob):
    """No UDP leaves either home: TURN over TCP carries the call."""
    turn = NET['turn']
    args = ['--turn-server', turn.turn_url('tcp'), '--turn-server', turn.turn_url(),
            '--stun-server', turn.stun_url()]
    restart(alice, 'no-udp', args, env={'BLINK_TURN_PASSWORD': PASSWORD})
    restart(bob, 'no-udp', args, env={'BLINK_TURN_PASSWORD': PASSWORD})
    return call_through(alice, bob, 'relay-tcp')


def first_failure(parties, path, timeout):
    """The first ParticipantFailed of the call at @path that one of
    @parties signals: (party, its error's name, its message). It reads (and
    drops) their monitors' lines up to there."""
    pattern = re.compile(rf"ParticipantFailed \(objectpath '{re.escape(path)}', '([^']+)', "
                         r"'(im\.blink\.Error\.\w+)', '([^']*)'")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for party in parties:
            while not party.monitor.lines.empty():
                m = pattern.search(party.monitor.lines.get())
                if m:
                    return party, m.group(2), m.group(3)
        time.sleep(0.05)
    raise Failure(f'no ParticipantFailed within {timeout} s')


def fails_without_relay(failing, other, path, start, who=None):
    """@failing, first of the two, signals that it got no TURN relay for
    the call at @path (im.blink.Error.NoRelay, a message naming TURN); the
    call then ends on both sides, and neither daemon warned. Returns the
    seconds since @start (monotonic) and the message. @who: @failing's name
    in a failure's message."""
    party, name, message = first_failure((failing, other), path, FAIL_S)
    took = time.monotonic() - start
    if party is not failing or name != 'im.blink.Error.NoRelay' or 'TURN' not in message:
        raise Failure(f'{who or party.name} failed first, after {took:.1f} s: {name}: '
                      f'{message}')
    for me in (failing, other):
        # Its InterfacesRemoved may be among the lines first_failure read.
        wait_until(lambda: path not in me.managed_objects(), FAIL_S, f'{me.name}: call ended')
        check_warnings(me)
    return took, message


def test_wrong_password_fails(alice, bob):
    """Only a relay could connect them, and the caller's TURN password is
    wrong (the callee has no TURN server): the call fails within a bound,
    the other side's call ends too, and both daemons live on. The callee
    being a stranger, the caller's connection may only use the relay
    (--relay strangers): it fails as soon as ICE or gathering is over
    without one, saying so (im.blink.Error.NoRelay), and is not made
    again: a new one would ask the same server with the same password.
    Twice: the caller once the offerer of the pair (the greater DID),
    once the answerer."""
    turn = NET['turn']
    rounds = []
    for caller, callee in sorted(((alice, bob), (bob, alice)), key=lambda pair: pair[0].did,
                                 reverse=True):
        role = 'offerer' if caller.did > callee.did else 'answerer'
        restart(caller, 'strict', ['--turn-server', turn.turn_url(),
                                   '--turn-password-file', password_file(caller.name, 'wrong')])
        restart(callee, 'strict', ['--stun-server', turn.stun_url()])
        start = time.monotonic()
        path = offer(caller, callee)
        callee.gdbus(path, 'im.blink.Call1.Accept')
        took, message = fails_without_relay(caller, callee, path, start,
                                            f'{caller.name} ({role})')
        for me in (caller, callee):
            remade = [line for line in me.daemon.stderr if 'making a new one' in line]
            if remade:
                raise Failure(f'{me.name}: the connection was made again: {remade[0]}')
        rounds.append(f'{caller.name} ({role}) after {took:.1f} s')
    return (f'{", ".join(rounds)}: {message}; {callee_without_relay(alice, bob)}; '
            f'{caller_without_relay(alice, bob)}')


def callee_without_relay(alice, bob):
    """Bob's TURN password is wrong, and alice a stranger to him: his
    connection made while her call rings fails for want of a relay, and
    her call rings on all the same; answered, it fails saying why."""
    turn = NET['turn']
    restart(alice, 'strict', ['--stun-server', turn.stun_url()])
    restart(bob, 'strict', ['--turn-server', turn.turn_url(),
                            '--turn-password-file', password_file('bob', 'wrong')])
    path = offer(alice, bob)
    wait_until(lambda: any('failed: No TURN relay' in line for line in bob.daemon.stderr),
               FAIL_S, 'bob: his connection made while ringing failing for want of a relay')
    time.sleep(1)
    for me in (alice, bob):
        if path not in me.managed_objects():
            raise Failure(f'{me.name}: the call ended while it rang')
    start = time.monotonic()
    bob.gdbus(path, 'im.blink.Call1.Accept')
    took, _ = fails_without_relay(bob, alice, path, start)
    return f'a callee without a relay rang on, answered failed after {took:.1f} s'


def caller_without_relay(alice, bob):
    """Alice's TURN password is wrong, bob's right, and they are strangers:
    bob connects while her call rings, so her connection is no longer a
    quiet one made ahead; it gets no relay, bob fails on her side, and her
    call ends while it still rings on his."""
    turn = NET['turn']
    restart(alice, 'strict', ['--turn-server', turn.turn_url(),
                              '--turn-password-file', password_file('alice', 'wrong')])
    restart(bob, 'strict', ['--turn-server', turn.turn_url()],
            env={'BLINK_TURN_PASSWORD': PASSWORD})
    start = time.monotonic()
    path = offer(alice, bob)
    took, _ = fails_without_relay(alice, bob, path, start)
    return f'a caller without a relay, unanswered, failed after {took:.1f} s'


def start_parties(workdir, started):
    network = NET['network']
    NET['workdir'] = workdir
    turn = Turn(network.workdir, PASSWORD)
    started.append(turn)
    NET['turn'] = turn
    # The IPFS nodes on the public side, their RPC APIs on its address
    # (module docstring of blink_nat).
    node_a, info_a = start_ipfs_node('ipfs node of alice', api=f'{TURN_IP}:0')
    started.append(node_a)
    node_b, info_b = start_ipfs_node('ipfs node of bob', info_a['swarm'], api=f'{TURN_IP}:0')
    started.append(node_b)
    for node in (node_a, node_b):
        node.expect(lambda line: re.match(r'Peers: [1-9]', line), 15, 'peer')
    parties = []
    for number, (name, info, tone) in enumerate((('alice', info_a, 440), ('bob', info_b, 660)),
                                                1):
        router = network.add_home(number)
        party = Party(name, workdir, info['api'], started, tone=tone,
                      ice_address=router.home_ip, wrapper=router.wrapper(),
                      G_DEBUG=NON_FATAL_DEBUG,
                      # What its connections did, for a call that does not connect.
                      G_MESSAGES_DEBUG='blink-connections blink-call-manager blink-peer')
        party.router = router
        parties.append(party)
    return parties


def main():
    reason = blink_nat.why_not()
    if reason is not None:
        print(f'1..0 # SKIP {reason}')
        return 0
    blink_nat.enter_private_network()
    # Killed at meson's timeout, the namespaces must still go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with Network() as network:
        NET['network'] = network
        return run_tap('nat', [test_cone_nats_srflx, test_strangers_relayed_contacts_not,
                               test_strict_nats_relay_udp,
                               test_udp_blocked_relay_tcp, test_wrong_password_fails],
                       start_parties)


if __name__ == '__main__':
    sys.exit(main())
