#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Contacts, call history and who may ring, through two real blinkd on
real IPFS nodes, over D-Bus (gdbus) and `blink`. TAP output. Needs BLINKD
and BLINK in the environment (meson sets them)."""

import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blink_party import (ROOT, Party, expect_error, hang_up, run_tap,  # noqa: E402
                         wait_until)
from blink_processes import Failure, start_ipfs_pair  # noqa: E402

CONTACTS = 'im.blink.Contacts1'
HISTORY = 'im.blink.History1'
MANAGER = 'im.blink.Manager1'


def contacts(party):
    """(did, name, verified) as blink contacts --json gives them."""
    result = party.blink('contacts', '--json')
    if result.returncode != 0:
        raise Failure(f'{party.name}: blink contacts: {result.stderr}')
    return [(c['did'], c['name'], c['verified'])
            for c in map(json.loads, result.stdout.splitlines())]


def history(party, n=None):
    result = party.blink('history', '--json', *([str(n)] if n else []))
    if result.returncode != 0:
        raise Failure(f'{party.name}: blink history: {result.stderr}')
    return [json.loads(line) for line in result.stdout.splitlines()]


def entry_of(party, call_id, timeout=20):
    """@party's history entry of @call_id, once noted."""
    found = []

    def noted():
        found[:] = [e for e in history(party, 50) if e['id'] == call_id]
        return bool(found)
    wait_until(noted, timeout, f'{party.name}: call {call_id} in the history')
    return found[0]


def expect_entry(party, call_id, direction, outcome, other, reason=None):
    entry = entry_of(party, call_id)
    if (entry['direction'], entry['outcome']) != (direction, outcome) or \
            entry['participants'] != [other.did]:
        raise Failure(f'{party.name}: {entry}, expected {direction} {outcome} with {other.name}')
    if reason is not None and entry['reason'] != reason:
        raise Failure(f'{party.name}: reason {entry["reason"]!r}, expected {reason!r}')
    if abs(entry['start'] / 1e6 - time.time()) > 120:
        raise Failure(f'{party.name}: start {entry["start"]} is not now')
    return entry


def offer(caller, callee):
    out = caller.gdbus(ROOT, f'{MANAGER}.Offer', f"['{callee.did}']").stdout
    path = re.search(r"objectpath '([^']+)'", out).group(1)
    return path, path.rsplit('/', 1)[1]


def missed_count(party):
    return int(party.get(ROOT, HISTORY, 'MissedCount').split()[-1])


# ---- the tests, in order: they share the daemons ----

def test_contacts_over_dbus(alice, bob):
    alice.gdbus(ROOT, f'{CONTACTS}.Add', bob.did, 'Bob')
    if f"('{bob.did}', 'Bob', false)" not in alice.get(ROOT, CONTACTS, 'Contacts'):
        raise Failure(f'Contacts: {alice.get(ROOT, CONTACTS, "Contacts")}')
    expect_error(alice.gdbus(ROOT, f'{CONTACTS}.Add', 'did:key:zNotAKey', 'Eve', check=False),
                 'im.blink.Error.BadDid')
    expect_error(alice.gdbus(ROOT, f'{CONTACTS}.Add', alice.did, 'Me', check=False),
                 'im.blink.Error.InvalidArgument')
    expect_error(alice.gdbus(ROOT, f'{CONTACTS}.Add', bob.did, '', check=False),
                 'im.blink.Error.InvalidArgument')
    expect_error(alice.gdbus(ROOT, f'{CONTACTS}.Add', bob.did, 'x' * 129, check=False),
                 'im.blink.Error.InvalidArgument')
    expect_error(alice.gdbus(ROOT, f'{CONTACTS}.AddLink', 'https://example.com', check=False),
                 'im.blink.Error.InvalidArgument')
    expect_error(alice.gdbus(ROOT, f'{CONTACTS}.Remove', alice.did, check=False),
                 'im.blink.Error.NoSuchContact')
    expect_error(alice.gdbus(ROOT, f'{CONTACTS}.Rename', alice.did, 'X', check=False),
                 'im.blink.Error.NoSuchContact')
    # Verified comes from the verified addresses, not from a copy.
    alice.gdbus(ROOT, f'{MANAGER}.SetVerified', bob.did, 'true')
    wait_until(lambda: f"('{bob.did}', 'Bob', true)" in alice.get(ROOT, CONTACTS, 'Contacts'), 5,
               'bob verified in Contacts')
    alice.gdbus(ROOT, f'{MANAGER}.SetVerified', bob.did, 'false')
    # Bob's own link, as Link gives it, adds him on alice's side.
    link = re.search(r"'([^']+)'", bob.gdbus(ROOT, f'{CONTACTS}.Link').stdout).group(1)
    if link != f'blink:{bob.did}':
        raise Failure(f'Link: {link}')
    out = alice.gdbus(ROOT, f'{CONTACTS}.AddLink', link + '?name=Bob%20B.').stdout
    if f"('{bob.did}', 'Bob B.')" not in out:
        raise Failure(f'AddLink: {out}')
    alice.gdbus(ROOT, f'{CONTACTS}.Remove', bob.did)
    if bob.did in alice.get(ROOT, CONTACTS, 'Contacts'):
        raise Failure('Remove left the contact')


def test_contacts_cli_survive_a_restart(alice, bob):
    link = bob.blink('link').stdout.strip()
    if link != f'blink:{bob.did}':
        raise Failure(f'blink link: {link!r}')
    result = alice.blink('contacts', 'add', link, 'Bobby')
    if result.returncode != 0:
        raise Failure(f'blink contacts add: {result.stderr}')
    result = bob.blink('contacts', 'add', alice.did, 'Alice')
    if result.returncode != 0:
        raise Failure(f'blink contacts add: {result.stderr}')
    if alice.blink('contacts', 'rename', 'bobby', 'Bob').returncode != 0:
        raise Failure('blink contacts rename by name failed')
    if alice.blink('contacts', 'remove', 'Nobody').returncode != 1:
        raise Failure('blink contacts remove of an unknown name did not fail')
    alice.daemon.stop()
    alice.start_daemon()
    if contacts(alice) != [(bob.did, 'Bob', False)]:
        raise Failure(f'after a restart: {contacts(alice)}')
    listing = alice.blink('contacts').stdout
    if not re.search(rf'Bob\s+{bob.did}', listing):
        raise Failure(f'blink contacts: {listing!r}')


def test_answered_call_by_name(alice, bob):
    """`blink call Bob` calls the contact; both sides note the call answered, with how
    long it was connected."""
    result = alice.blink('call', 'Bob')
    if result.returncode != 0:
        raise Failure(f'blink call Bob: {result.stderr}')
    call_id = result.stdout.strip()
    path = f'{ROOT}/Call/{call_id}'
    bob.wait_signal(rf"IncomingCall \(objectpath '{path}'")
    bob.gdbus(path, 'im.blink.Call1.Accept')
    for me, other in ((alice, bob), (bob, alice)):
        me.wait_signal(rf"^{re.escape(path)}: .*\('{other.did}', 'connected'")
    time.sleep(1.5)
    hang_up(alice, bob, path)
    for me, other, direction in ((alice, bob, 'outgoing'), (bob, alice, 'incoming')):
        entry = expect_entry(me, call_id, direction, 'answered', other)
        if not 1.0e6 <= entry['duration'] <= 10e6:
            raise Failure(f'{me.name}: duration {entry["duration"]} µs for a call of 1.5 s')


def test_missed_call(alice, bob):
    """The caller hangs up while it rings: missed on both sides, counted on the callee's."""
    bob.gdbus(ROOT, f'{HISTORY}.MarkSeen')
    path, call_id = offer(alice, bob)
    bob.wait_signal(rf"IncomingCall \(objectpath '{path}'")
    alice.gdbus(ROOT, f'{MANAGER}.Hangup')
    bob.wait_signal(r"CallRecorded .*'missed'")
    for me, other, direction in ((alice, bob, 'outgoing'), (bob, alice, 'incoming')):
        entry = expect_entry(me, call_id, direction, 'missed', other)
        if entry['duration'] != 0:
            raise Failure(f'{me.name}: a missed call lasted {entry["duration"]} µs')
    if missed_count(bob) != 1 or missed_count(alice) != 0:
        raise Failure(f'MissedCount {missed_count(bob)} and {missed_count(alice)}')
    status = bob.blink('status').stdout
    if '1 missed call' not in status:
        raise Failure(f'blink status: {status!r}')
    if json.loads(bob.blink('status', '--json').stdout)['missed-calls'] != 1:
        raise Failure('blink status --json: no missed call')
    # A second one counts too, and survives a restart until seen.
    path, call_id = offer(alice, bob)
    bob.wait_signal(rf"IncomingCall \(objectpath '{path}'")
    alice.gdbus(ROOT, f'{MANAGER}.Hangup')
    entry_of(bob, call_id)
    bob.daemon.stop()
    bob.start_daemon()
    if missed_count(bob) != 2:
        raise Failure(f'MissedCount after a restart: {missed_count(bob)}')
    bob.gdbus(ROOT, f'{HISTORY}.MarkSeen')
    if missed_count(bob) != 0:
        raise Failure(f'MissedCount after MarkSeen: {missed_count(bob)}')
    text = bob.blink('history', '3').stdout
    if not re.search(rf'incoming missed .*Alice \({alice.did}\)', text):
        raise Failure(f'blink history: {text!r}')


def test_declined_call(alice, bob):
    path, call_id = offer(alice, bob)
    bob.wait_signal(rf"IncomingCall \(objectpath '{path}'")
    bob.gdbus(path, 'im.blink.Call1.Decline')
    for me, other, direction in ((alice, bob, 'outgoing'), (bob, alice, 'incoming')):
        expect_entry(me, call_id, direction, 'declined', other)
    if missed_count(bob) != 0:
        raise Failure('a declined call counted as missed')


def crossed_calls(alice, bob):
    """Alice and bob call each other at once: they talk in one call, the one
    placed by the greater DID, shown on both sides; the other is noted
    nowhere, and nothing is missed."""
    for party in (alice, bob):
        party.gdbus(ROOT, f'{HISTORY}.MarkSeen')
    before = {party.name: {e['id'] for e in history(party, 50)} for party in (alice, bob)}
    greater, lesser = (alice, bob) if alice.did > bob.did else (bob, alice)
    offered = {}

    def place(caller, callee):
        offered[caller.name] = offer(caller, callee)
    threads = [threading.Thread(target=place, args=pair)
               for pair in ((greater, lesser), (lesser, greater))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if len(offered) != 2:
        raise Failure(f'an Offer failed: {offered}')
    path, kept = offered[greater.name]
    for me, other in ((greater, lesser), (lesser, greater)):
        me.wait_signal(rf"^{re.escape(path)}: .*\('{other.did}', 'connected'")
        if me.get(ROOT, MANAGER, 'ActiveCall') != path:
            raise Failure(f'{me.name}: ActiveCall {me.get(ROOT, MANAGER, "ActiveCall")}')
    time.sleep(1)
    hang_up(lesser, greater, path)
    for me, other, direction in ((greater, lesser, 'outgoing'), (lesser, greater, 'incoming')):
        expect_entry(me, kept, direction, 'answered', other)
        new = [e for e in history(me, 50) if e['id'] not in before[me.name]]
        if [e['id'] for e in new] != [kept]:
            raise Failure(f'{me.name}: new history entries {new}, expected only {kept}')
        if missed_count(me) != 0:
            raise Failure(f'{me.name}: MissedCount {missed_count(me)} after crossed calls')


def test_crossed_calls(alice, bob):
    crossed_calls(alice, bob)


def test_crossed_calls_with_a_stranger(alice, bob):
    """The same when the lesser lets only contacts ring and the greater is
    not one: the greater's call, answered at once, is shown all the same."""
    greater, lesser = (alice, bob) if alice.did > bob.did else (bob, alice)
    policy = lesser.blink('who-may-ring').stdout.strip()
    name = [n for did, n, _ in contacts(lesser) if did == greater.did]
    lesser.gdbus(ROOT, f'{CONTACTS}.Remove', greater.did, check=False)
    lesser.gdbus(ROOT, f'{MANAGER}.SetWhoMayRing', 'contacts')
    try:
        crossed_calls(alice, bob)
    finally:
        lesser.gdbus(ROOT, f'{MANAGER}.SetWhoMayRing', policy)
        if name:
            lesser.gdbus(ROOT, f'{CONTACTS}.Add', greater.did, name[0])


def test_contacts_only_ring(alice, bob):
    """Under "contacts" a stranger's call does not ring and is only noted; a contact's
    rings."""
    bob.gdbus(ROOT, f'{CONTACTS}.Remove', alice.did)
    if bob.blink('who-may-ring', 'contacts').returncode != 0:
        raise Failure('blink who-may-ring contacts failed')
    if bob.blink('who-may-ring').stdout.strip() != 'contacts':
        raise Failure('blink who-may-ring does not show the policy')
    path, call_id = offer(alice, bob)
    # Long enough for the offer (resent every second) to arrive.
    time.sleep(4)
    participants = alice.get(path, 'im.blink.Call1', 'Participants')
    if f"('{bob.did}', 'ringing'" not in participants:
        raise Failure(f'alice sees {participants}')
    alice.gdbus(ROOT, f'{MANAGER}.Hangup')

    def no_ring(line):
        if 'IncomingCall' in line:
            raise Failure(f'a stranger rang: {line}')
        return 'CallRecorded' in line and call_id in line
    bob.monitor.expect(no_ring, 20, 'the stranger\'s call noted')
    expect_entry(bob, call_id, 'incoming', 'not-rung', alice)
    if missed_count(bob) != 0:
        raise Failure('a call that did not ring counted as missed')

    bob.gdbus(ROOT, f'{CONTACTS}.Add', alice.did, 'Alice')
    path, call_id = offer(alice, bob)
    bob.wait_signal(rf"IncomingCall \(objectpath '{path}'")
    bob.gdbus(path, 'im.blink.Call1.Decline')
    expect_entry(bob, call_id, 'incoming', 'declined', alice)


def test_nobody_declines_strangers(alice, bob):
    """Under "nobody" a stranger's call is declined at once; the policy survives a
    restart."""
    bob.gdbus(ROOT, f'{CONTACTS}.Remove', alice.did)
    bob.gdbus(ROOT, f'{MANAGER}.SetWhoMayRing', 'nobody')
    expect_error(bob.gdbus(ROOT, f'{MANAGER}.SetWhoMayRing', 'friends', check=False),
                 'im.blink.Error.InvalidArgument')
    bob.daemon.stop()
    bob.start_daemon()
    if bob.get(ROOT, MANAGER, 'WhoMayRing') != 'nobody':
        raise Failure('WhoMayRing forgotten by a restart')
    path, call_id = offer(alice, bob)

    def no_ring(line):
        if 'IncomingCall' in line:
            raise Failure(f'a stranger rang: {line}')
        return 'CallRecorded' in line and call_id in line
    bob.monitor.expect(no_ring, 20, 'the stranger\'s call noted')
    expect_entry(bob, call_id, 'incoming', 'not-rung', alice, reason='declined by policy')
    expect_entry(alice, call_id, 'outgoing', 'declined', bob)
    bob.gdbus(ROOT, f'{MANAGER}.SetWhoMayRing', 'everyone')


def start_parties(workdir, started):
    info_a, info_b = start_ipfs_pair(started)
    return (Party('alice', workdir, info_a['api'], started),
            Party('bob', workdir, info_b['api'], started, tone=660))


def main():
    return run_tap('contacts', [test_contacts_over_dbus, test_contacts_cli_survive_a_restart,
                                test_answered_call_by_name, test_missed_call, test_declined_call,
                                test_crossed_calls, test_crossed_calls_with_a_stranger,
                                test_contacts_only_ring, test_nobody_declines_strangers],
                   start_parties)


if __name__ == '__main__':
    sys.exit(main())
