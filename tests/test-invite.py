#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Adding people to a running call (Call1.Invite, `blink invite`), through
three real blinkd on three real IPFS nodes: alice calls bob, one of them
invites carol, and carol joins everybody (docs/protocol.md, "Invitations").
TAP output. Needs BLINKD and BLINK in the environment (meson sets them)."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blink_party import (ROOT, Party, connect, expect_error, hang_up,  # noqa: E402
                         packets_received, run_tap, wait_until)
from blink_processes import Failure, start_ipfs_node, start_ipfs_pair  # noqa: E402

CALL = 'im.blink.Call1'
# Short, so that an invitation nobody answers rings out within the test;
# long enough for a loaded machine to answer the calls that are answered.
RINGING_TIMEOUT_S = 15


def states(party, path):
    """did → state of the participants @party lists in the call at @path."""
    text = party.get(path, CALL, 'Participants')
    return dict(re.findall(r"\('([^']+)', '([a-z]+)', (?:true|false), (?:true|false)\)", text))


def expect_states(party, path, wanted, timeout=30):
    """Waits until @party lists each did of @wanted in its state."""
    seen = {}

    def reached():
        seen.update(states(party, path))
        return all(seen.get(did) == state for did, state in wanted.items())
    wait_until(reached, timeout, f'{party.name}: participants {wanted} (last: {seen})')


def invite(party, *whom):
    result = party.blink('invite', *whom)
    if result.returncode != 0:
        raise Failure(f'{party.name}: blink invite: {result.returncode} {result.stderr.strip()}')


def carol_rings(carol, path, inviter):
    """Carol's incoming call at @path, rung by @inviter."""
    carol.wait_signal(rf"IncomingCall \(objectpath '{re.escape(path)}', '{inviter.did}'")
    caller = carol.get(path, CALL, 'Caller')
    if caller != inviter.did:
        raise Failure(f'carol: Caller is {caller}, not {inviter.name}')


def test_invited_joins_everybody(alice, bob, carol):
    """Bob invites carol into alice's call with `blink invite`: she rings
    as called by bob, with alice listed; alice lists her as ringing at
    once; she answers and everybody connects to everybody, with audio
    every way; when she hangs up, alice and bob go on."""
    path = connect(alice, bob)
    invite(bob, carol.did)
    expect_states(bob, path, {carol.did: 'ringing'}, timeout=2)
    carol_rings(carol, path, bob)
    expect_states(carol, path, {alice.did: 'connecting', bob.did: 'connecting'})
    expect_states(alice, path, {carol.did: 'ringing'})
    carol.gdbus(path, f'{CALL}.Accept')
    for me, others in ((alice, (bob, carol)), (bob, (alice, carol)), (carol, (alice, bob))):
        expect_states(me, path, {o.did: 'connected' for o in others})
    for me, others in ((carol, (alice, bob)), (alice, (carol,)), (bob, (carol,))):
        for other in others:
            wait_until(lambda: packets_received(me, other) > 50, 20,
                       f'{me.name}: packets from {other.name}')
    carol.gdbus(path, f'{CALL}.Hangup')
    for me in (alice, bob):
        expect_states(me, path, {carol.did: 'left'})
    expect_states(alice, path, {bob.did: 'connected'}, timeout=2)
    received = packets_received(alice, bob)
    wait_until(lambda: packets_received(alice, bob) > received + 50, 10,
               'alice: packets from bob once carol left')
    hang_up(alice, bob, path)


def test_declined_invitation(alice, bob, carol):
    """Alice invites carol, who declines: both see it, and the call goes on."""
    path = connect(alice, bob)
    alice.gdbus(path, f'{CALL}.Invite', f"['{carol.did}']")
    carol_rings(carol, path, alice)
    carol.gdbus(path, f'{CALL}.Decline')
    for me in (alice, bob):
        expect_states(me, path, {carol.did: 'declined'})
    expect_states(alice, path, {bob.did: 'connected'}, timeout=2)
    hang_up(alice, bob, path)


def test_invitation_rings_out(alice, bob, carol):
    """Nobody answers the invitation: it rings out on every side, and the
    call goes on without her."""
    path = connect(alice, bob)
    invite(alice, carol.did)
    carol_rings(carol, path, alice)
    expect_states(bob, path, {carol.did: 'ringing'})
    for me in (alice, bob):
        expect_states(me, path, {carol.did: 'left'}, timeout=RINGING_TIMEOUT_S + 10)
    carol.wait_signal(rf"InterfacesRemoved \(objectpath '{re.escape(path)}'")
    expect_states(alice, path, {bob.did: 'connected'}, timeout=2)
    hang_up(alice, bob, path)


def test_refused_invitations(alice, bob, carol):
    """What cannot be invited is refused with a clear error, and the call
    is left as it was; without an active call there is nothing to add to."""
    path = connect(alice, bob)
    before = states(alice, path)
    for whom, error in ((bob.did, 'im.blink.Error.InvalidArgument'),
                        (alice.did, 'im.blink.Error.BadDid'),
                        ('did:key:z6MkNotAKey', 'im.blink.Error.BadDid'),
                        ('', 'im.blink.Error.BadDid')):
        expect_error(alice.gdbus(path, f'{CALL}.Invite', f"['{whom}']", check=False), error)
    expect_error(alice.gdbus(path, f'{CALL}.Invite', '@as []', check=False),
                 'im.blink.Error.BadDid')
    result = alice.blink('invite', 'nobody-by-that-name')
    if result.returncode != 1 or 'nobody-by-that-name' not in result.stderr:
        raise Failure(f'blink invite of an unknown name: {result.returncode} {result.stderr}')
    if states(alice, path) != before or states(bob, path).keys() != {alice.did}:
        raise Failure(f'the refusals changed the call: {states(alice, path)}')
    hang_up(alice, bob, path)

    result = alice.blink('invite', carol.did)
    if result.returncode != 1 or 'no active call' not in result.stderr:
        raise Failure(f'blink invite without a call: {result.returncode} {result.stderr}')

    # A call that only rings here is not ours to add to.
    out = bob.gdbus(ROOT, 'im.blink.Manager1.Offer', f"['{alice.did}']").stdout
    path = re.search(r"objectpath '([^']+)'", out).group(1)
    alice.wait_signal(rf"IncomingCall \(objectpath '{re.escape(path)}'")
    expect_error(alice.gdbus(path, f'{CALL}.Invite', f"['{carol.did}']", check=False),
                 'im.blink.Error.NoSuchCall')
    bob.gdbus(ROOT, 'im.blink.Manager1.Hangup')
    alice.wait_signal(rf"InterfacesRemoved \(objectpath '{re.escape(path)}'")


def start_parties(workdir, started):
    info_a, info_b = start_ipfs_pair(started)
    # Pubsub goes only through nodes that listen on the topic: carol's
    # node is a peer of both.
    node_c, info_c = start_ipfs_node('ipfs node of carol', [info_a['swarm'], info_b['swarm']])
    started.append(node_c)
    args = ['--ringing-timeout', str(RINGING_TIMEOUT_S)]
    return (Party('alice', workdir, info_a['api'], started, daemon_args=args),
            Party('bob', workdir, info_b['api'], started, tone=660, daemon_args=args),
            Party('carol', workdir, info_c['api'], started, tone=880, daemon_args=args))


def main():
    return run_tap('invite', [test_invited_joins_everybody, test_declined_invitation,
                              test_invitation_rings_out, test_refused_invitations],
                   start_parties)


if __name__ == '__main__':
    sys.exit(main())
