#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""blinkd and blink under real dbus-daemons, with real IPFS nodes.

Two daemons (alice and bob: two identities, two IPFS nodes, two session
buses) call each other through the D-Bus API only, with generic clients
(gdbus); then the `blink` command line against them; then mute, deafen,
volume and a recording played into a call, judged by what each daemon
records of the other's tone; then SIGTERM during a call. TAP output. Needs BLINKD, BLINK and BLINK_DBUS_XML in the
environment (meson sets them)."""

import array
import json
import math
import os
import re
import socket
import subprocess
import sys
import threading
import time
import wave
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blink_audio import dominant_frequency  # noqa: E402
from blink_party import (BLINK, BLINKD, NAME, ROOT, SETTLE, Party, connect, run_tap,  # noqa: E402
                         expect_error, expect_silence, expect_tone, find_heard, hang_up, heard,
                         packets_received, wait_for_tone, wait_until)
from blink_processes import (DEFAULT_KIND, Failure, IpfsNode, Process, start_bus,  # noqa: E402
                             start_ipfs_pair, watch_event)

XML = os.environ['BLINK_DBUS_XML']


def shared_call(alice, bob):
    """The call alice made to bob that the media tests share; made again
    if it is not the active one any more."""
    if getattr(alice, 'call', None) is None or alice.get(ROOT, 'im.blink.Manager1',
                                                         'ActiveCall') != alice.call:
        alice.call = connect(alice, bob)
    return alice.call


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
    for interface in ('im.blink.Manager1', 'im.blink.Contacts1', 'im.blink.History1'):
        if running.get(interface) != declared[interface]:
            raise Failure(f'{interface} differs: {running.get(interface)}')
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
    # Played the jitter buffer's latency (40 ms) and the margin (40 ms) after
    # arrival, or later.
    delay = re.search(r"'play-delay': <([0-9.e-]+)>", stats)
    if delay is None or not 0.08 - 1e-9 <= float(delay.group(1)) <= 0.3 + 1e-9 or \
            "'late-audio': <" not in stats:
        raise Failure(f'GetStats, play delay: {stats}')

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
    hang_up(alice, bob, path)



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
    played = re.search(rf'{re.escape(alice.did)}: played (\d+) ms after it arrives', result.stdout)
    if played is None or not 80 <= int(played.group(1)) <= 300:
        raise Failure(f'blink stats, play delay: {result.stdout!r}')
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


def test_watch_started_as_a_call_is_made(alice, bob):
    """A `blink watch` that starts as a call is exported follows it: an
    InterfacesAdded crossing the watch's first GetManagedObjects makes
    GDBusObjectManagerClient replace the call's proxy, and a watch bound
    to the first one heard nothing of the call again (one in four runs of
    the indicators test lost a speaking event so). Watches start every
    5 ms from 100 ms before `blink call` to 50 ms after; each must show
    bob connected and the call started."""
    watches = []

    def start_watches():
        for i in range(30):
            watches.append(Process(f'blink watch {i} of alice', [BLINK, 'watch', '--json'],
                                   env=alice.env))
            time.sleep(0.005)
    starting = threading.Thread(target=start_watches)
    starting.start()
    time.sleep(0.1)
    try:
        result = alice.blink('call', bob.did)
        starting.join()
        if result.returncode != 0:
            raise Failure(f'blink call: {result.returncode} {result.stderr!r}')
        call = result.stdout.strip()
        for w in watches:
            watch_event(w, 'participant', call=call, did=bob.did,
                        **{'participant-state': 'ringing'})
        bob.wait_signal(rf"IncomingCall \(objectpath '[^']*/{call}'")
        if bob.blink('answer').returncode != 0:
            raise Failure('blink answer failed')
        for w in watches:
            # Both, in either order.
            wanted = {('participant', 'connected'), ('call-state', 'started')}

            def seen_all(line):
                e = json.loads(line)
                if e.get('call') == call and (e.get('did') in (None, bob.did)):
                    wanted.discard((e['event'], e.get('participant-state', e.get('state'))))
                return not wanted
            w.expect(seen_all, 20, 'bob connected and the call started')
        alice.blink('hangup')
        for w in watches:
            watch_event(w, 'call-removed', call=call)
    finally:
        starting.join()
        for w in watches:
            w.stop(timeout=5)


def test_verified_survives_a_restart(alice, bob):
    """What the user verified is remembered by blinkd across restarts, and
    shown by `blink status` on the next call."""
    alice.daemon.stop()
    alice.start_daemon()
    if bob.did not in alice.gdbus(ROOT, 'org.freedesktop.DBus.Properties.Get',
                                  'im.blink.Manager1', 'Verified').stdout:
        raise Failure('the verified address was forgotten by the restart')
    path = connect(alice, bob)
    wait_until(lambda: 'verified' in alice.blink('status').stdout.replace('not verified', ''),
               10, 'blink status showing bob verified')
    status = alice.blink('status').stdout
    # Bob's tone may have made him "speaking" by then: shown before the code.
    if not re.search(rf'{bob.did} connected(, speaking)?, code \d{{3}} \d{{3}}, verified', status):
        raise Failure(f'blink status: {status!r}')
    if alice.blink('unverify', bob.did).returncode != 0:
        raise Failure('blink unverify failed')
    hang_up(alice, bob, path)


def test_mute(alice, bob):
    """Muted before a call: bob hears no tone from alice but her packets
    (the connection stays), and sees her muted from the start; unmuted
    during the call, her tone is back; muted again, gone again."""
    result = alice.blink('mute')
    if result.returncode != 0 or alice.get(ROOT, 'im.blink.Manager1', 'Muted') != 'true':
        raise Failure(f'blink mute without a call: {result.returncode} {result.stderr!r}')
    if 'You are muted' not in alice.blink('status').stdout:
        raise Failure('blink status does not say that alice is muted')
    watch = Process('blink watch of bob', [BLINK, 'watch', '--json'], env=bob.env)
    alice.started.append(watch)
    alice.call = connect(alice, bob)
    call = alice.call.rsplit('/', 1)[1]
    watch_event(watch, 'participant', call=call, did=alice.did, muted=True)
    received = packets_received(bob, alice)
    muted = expect_silence(bob, bob.heard.seconds(), 'from alice muted before the call')
    if packets_received(bob, alice) <= received:
        raise Failure(f'muted, alice sends no packets ({received} received before the 0.5 s, '
                      f'{packets_received(bob, alice)} after): the connection is not kept')

    if alice.blink('unmute').returncode != 0:
        raise Failure('blink unmute failed')
    start = bob.heard.seconds()
    watch_event(watch, 'participant', call=call, did=alice.did, muted=False)
    tone = expect_tone(bob, start, alice.tone, 'from alice unmuted')

    if alice.blink('mute').returncode != 0:
        raise Failure('blink mute during the call failed')
    start = bob.heard.seconds()
    watch_event(watch, 'participant', call=call, did=alice.did, muted=True)
    participants = bob.get(alice.call, 'im.blink.Call1', 'Participants')
    status = bob.blink('status').stdout
    if (f"('{alice.did}', 'connected', true, false)" not in participants
            or f'{alice.did} connected, muted' not in status):
        raise Failure(f'bob does not show alice muted: {participants!r} {status!r}')
    expect_silence(bob, start, 'from alice muted during the call')
    if alice.blink('unmute').returncode != 0:
        raise Failure('blink unmute failed')
    watch_event(watch, 'participant', call=call, did=alice.did, muted=False)
    watch.stop(timeout=5)
    return f'tone {tone:.1f} dBFS, muted {muted:.1f} dBFS'


def test_deafen(alice, bob):
    """Deafened, bob hears nothing while alice's tone goes on, and alice
    still hears him and sees him deafened; undeafened, he hears her again."""
    shared_call(alice, bob)
    if bob.blink('deafen').returncode != 0:
        raise Failure('blink deafen failed')
    start_bob, start_alice = bob.heard.seconds(), alice.heard.seconds()

    def alice_sees_bob_deafened():
        status = json.loads(alice.blink('status', '--json').stdout)
        return any(p['did'] == bob.did and p['deafened'] for c in status['calls']
                   for p in c['participants'])
    wait_until(alice_sees_bob_deafened, 10, 'alice: bob deafened in blink status --json')
    if not json.loads(bob.blink('status', '--json').stdout)['deafened']:
        raise Failure('blink status --json of bob: not deafened')
    deaf = expect_silence(bob, start_bob, 'deafened')
    expect_tone(alice, start_alice + SETTLE, bob.tone, 'from bob deafened')
    if bob.blink('undeafen').returncode != 0:
        raise Failure('blink undeafen failed')
    expect_tone(bob, bob.heard.seconds(), alice.tone, 'undeafened')
    wait_until(lambda: not alice_sees_bob_deafened(), 10, 'alice: bob no longer deafened')
    return f'deafened {deaf:.1f} dBFS'


def test_volume(alice, bob):
    """bob plays alice at 25 %: her level drops by 12 dB (20 log10 0.25)."""
    path = shared_call(alice, bob)
    full = expect_tone(bob, bob.heard.seconds(), alice.tone, 'at full volume')
    result = bob.blink('volume', alice.did, '25')
    if result.returncode != 0:
        raise Failure(f'blink volume: {result.returncode} {result.stderr!r}')
    start = bob.heard.seconds()
    volumes = bob.get(path, 'im.blink.Call1', 'Volumes')
    if f"'{alice.did}': 0.25" not in volumes:
        raise Failure(f'Volumes: {volumes!r}')
    if f'{alice.did} connected, volume 25 %' not in bob.blink('status').stdout:
        raise Failure('blink status does not show the volume')
    # The first window quieter by half the drop holds the change, and its
    # median can be the level of the very block the change fell in,
    # between the two (seen: 8.4 dB down): measured in a window wholly
    # after it.
    find_heard(bob, start, lambda median, _: median <= full - 6, 'at 25 %: not 6 dB quieter')
    samples, rate, quiet, _ = heard(bob, bob.heard.seconds())
    drop = full - quiet
    if not 9 <= drop <= 15 or abs(dominant_frequency(samples, rate) - alice.tone) > 10:
        raise Failure(f'at 25 % alice is {drop:.1f} dB quieter ({full:.1f} → {quiet:.1f} dBFS), '
                      f'expected 12 ± 3 dB of her tone')
    return f'{full:.1f} dBFS at 100 %, {quiet:.1f} dBFS at 25 %: {drop:.1f} dB'


def test_volume_refused(alice, bob):
    """A volume for someone not in the call, or out of 0–2, is refused with
    a clear error and changes nothing; then the CLI's usage errors."""
    path = shared_call(alice, bob)

    def volumes():
        return bob.get(path, 'im.blink.Call1', 'Volumes')
    before = volumes()
    for did, volume, error in ((bob.did, '0.5', 'NoSuchParticipant'),
                               ('did:key:zNope', '0.5', 'NoSuchParticipant'),
                               (alice.did, '-0.5', 'InvalidArgument'),
                               (alice.did, '2.5', 'InvalidArgument'),
                               (alice.did, 'nan', 'InvalidArgument'),
                               (alice.did, 'inf', 'InvalidArgument')):
        expect_error(bob.gdbus(path, 'im.blink.Call1.SetVolume', '--', did, volume, check=False),
                     f'im.blink.Error.{error}')
    if volumes() != before:
        raise Failure(f'a refused volume changed Volumes: {before!r} → {volumes()!r}')

    for words, status, message in ((('volume', alice.did, '250'), 1, 'from 0 (silent) to 2'),
                                   (('volume', bob.did, '50'), 1, 'is not in this call'),
                                   (('volume', alice.did, 'loud'), 2, 'not a percentage'),
                                   (('volume', alice.did), 2, 'blink --help'),
                                   (('mute', 'now'), 2, 'blink --help')):
        result = bob.blink(*words)
        if result.returncode != status or message not in result.stderr:
            raise Failure(f'blink {" ".join(words)}: {result.returncode} {result.stderr!r}')
    if volumes() != before:
        raise Failure('a refused blink volume changed Volumes')
    help_text = bob.blink('--help').stdout
    for command in ('mute, unmute', 'deafen, undeafen', 'volume DID PERCENT'):
        if command not in help_text:
            raise Failure(f'--help does not list {command}')

    hang_up(alice, bob, path)
    result = bob.blink('volume', alice.did, '50')
    if result.returncode != 1 or 'no active call' not in result.stderr:
        raise Failure(f'blink volume without a call: {result.returncode} {result.stderr!r}')
    nobody = dict(bob.env, DBUS_SESSION_BUS_ADDRESS=alice.third_bus)
    if bob.blink('mute', env=nobody).returncode != 3:
        raise Failure('blink mute without blinkd: not exit status 3')


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
    path = connect(alice, bob)
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


def write_tone(path, frequency, seconds, rate=16000):
    """A WAV file of a sine at @frequency Hz, at the level of blinkd's tone:HZ."""
    samples = array.array('h', (int(0.3 * 32767 * math.sin(2 * math.pi * frequency * i / rate))
                                for i in range(int(seconds * rate))))
    with wave.open(path, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def test_file_source(alice, bob):
    """A recording played into calls (--audio-source file:PATH, a WAV of
    523 Hz at 16 kHz): bob hears it. blinkd opens the file for each call,
    from the call's start: the second call's file, of 0.2 s, is over before
    the call connects, and the call goes on, silent, with alice's packets."""
    recording = os.path.join(alice.workdir, 'c5.wav')
    write_tone(recording, 523, 30)
    alice.daemon.stop()
    alice.start_daemon(source=f'file:{recording}')
    path = connect(alice, bob)
    # The first audio of a new connection may come seconds after both sides
    # report it connected when the daemons run under a sanitizer.
    tone = wait_for_tone(bob, 523, 'from alice playing a file', within=5)
    hang_up(alice, bob, path)

    write_tone(recording, 523, 0.2)
    path = connect(alice, bob)
    received = packets_received(bob, alice)
    ended = expect_silence(bob, bob.heard.seconds(), 'after alice\'s file ended')
    wait_until(lambda: packets_received(bob, alice) > received + 10, 5,
               'packets from alice after her file ended')
    if f"('{alice.did}', 'connected'" not in bob.get(path, 'im.blink.Call1', 'Participants'):
        raise Failure('alice is no longer connected after her file ended')
    hang_up(alice, bob, path)
    return f'523 Hz at {tone:.1f} dBFS, then {ended:.1f} dBFS'


def test_file_source_refused(alice, bob):
    """A recording that is not there stops blinkd at start, with the path
    and why; one that is not audio fails the call with a device error."""
    missing = os.path.join(alice.workdir, 'no-such.ogg')
    result = subprocess.run([BLINKD, '--ipfs-api', alice.api, '--audio-source',
                             f'file:{missing}'],
                            env=dict(alice.env, DBUS_SESSION_BUS_ADDRESS=alice.third_bus),
                            text=True, capture_output=True, timeout=20)
    if result.returncode != 2 or missing not in result.stderr or 'No such file' not in \
            result.stderr:
        raise Failure(f'blinkd with a missing file: {result.returncode} {result.stderr!r}')

    not_audio = os.path.join(alice.workdir, 'notes.txt')
    with open(not_audio, 'w') as f:
        f.write('not a recording\n' * 100)
    # The daemon of test_file_source, which played the recording.
    if alice.daemon.stop() != 0:
        raise Failure(f'blinkd with a file source exited with {alice.daemon.proc.returncode}')
    alice.start_daemon(source=f'file:{not_audio}')
    try:
        out = alice.gdbus(ROOT, 'im.blink.Manager1.Offer', f"['{bob.did}']", check=False)
        if out.returncode != 0:
            expect_error(out, 'im.blink.Error.Device')
            return f'refused at once: {out.stderr.strip()}'
        path = re.search(r"objectpath '([^']+)'", out.stdout).group(1)
        failed = alice.wait_signal(rf"CallFailed \(objectpath '{path}', 'im.blink.Error.Device'")
        alice.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'", timeout=10)
        return failed.string.split("'im.blink.Error.Device', ", 1)[1]
    finally:
        alice.daemon.stop()
        alice.start_daemon()


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
                                               '--turn-password-file', secret,
                                               '--stun-server', 'stun://127.0.0.1:3478'], env=env)
    alice.started.append(daemon)
    subprocess.run(['gdbus', 'wait', '--session', '--timeout', '15', NAME], env=env, check=True,
                   timeout=20)
    with open(f'/proc/{daemon.proc.pid}/cmdline', 'rb') as f:
        if b's3cret' in f.read():
            raise Failure('the TURN password is on the command line')
    # The servers are shown (the dialer's preferences), never the password.
    shown = subprocess.run(['gdbus', 'call', '--session', '--dest', NAME, '--object-path', ROOT,
                            '--method', 'org.freedesktop.DBus.Properties.Get',
                            'im.blink.Manager1', 'IceServers'],
                           env=env, text=True, capture_output=True, timeout=20).stdout.strip()
    if shown != "(<['stun://127.0.0.1:3478', 'turn://alice@127.0.0.1:3478']>,)":
        raise Failure(f'IceServers is {shown}')
    if daemon.stop() != 0:
        raise Failure('blinkd with a TURN password file did not stop cleanly')


def test_audio_processing_options(alice, bob):
    """Manager1.AudioProcessing says what processes the microphone: nothing
    for a tone by default; what --audio-processing and --no-* leave on;
    a bad --audio-processing stops blinkd at start and says why."""
    if alice.get(ROOT, 'im.blink.Manager1', 'AudioProcessing') != '@as []':
        raise Failure('a tone is processed by default')
    env = dict(alice.env, DBUS_SESSION_BUS_ADDRESS=alice.third_bus)
    argv = [BLINKD, '--ipfs-api', alice.api, '--audio-sink', 'null']
    result = subprocess.run(argv + ['--audio-processing', 'sometimes'], env=env, text=True,
                            capture_output=True, timeout=20)
    if result.returncode != 2 or '“auto”, “on” or “off”, not “sometimes”' not in result.stderr:
        raise Failure(f'--audio-processing sometimes: {result.returncode} {result.stderr!r}')
    # Which connections go through TURN relays only (tests/test-nat.py
    # calls through them): strangers' by default, as --relay says.
    result = subprocess.run(argv + ['--relay', 'sometimes'], env=env, text=True,
                            capture_output=True, timeout=20)
    if result.returncode != 2 or '“never”, “strangers” or “always”, not “sometimes”' \
            not in result.stderr:
        raise Failure(f'--relay sometimes: {result.returncode} {result.stderr!r}')
    if alice.get(ROOT, 'im.blink.Manager1', 'Relay') != 'strangers':
        raise Failure('Relay is not "strangers" by default')
    cases = [
        (['--audio-source', 'silence', '--audio-processing', 'on', '--no-gain-control'],
         "['echo-cancellation', 'noise-suppression']"),
        # A capture device (never opened: no call is made).
        (['--audio-source', 'autoaudiosrc', '--no-echo-cancellation'],
         "['noise-suppression', 'gain-control']"),
        (['--audio-source', 'autoaudiosrc', '--audio-processing', 'off'], '@as []'),
    ]
    for options, expected in cases:
        daemon = Process('blinkd ' + ' '.join(options), argv + options, env=env)
        alice.started.append(daemon)
        subprocess.run(['gdbus', 'wait', '--session', '--timeout', '15', NAME], env=env,
                       check=True, timeout=20)
        out = subprocess.run(['gdbus', 'call', '--session', '--dest', NAME, '--object-path', ROOT,
                              '--method', 'org.freedesktop.DBus.Properties.Get',
                              'im.blink.Manager1', 'AudioProcessing'],
                             env=env, text=True, capture_output=True, timeout=20).stdout.strip()
        status = subprocess.run([BLINK, 'status', '--json'], env=env, text=True,
                                capture_output=True, timeout=30)
        if daemon.stop() != 0:
            raise Failure(f'blinkd {options} did not stop cleanly')
        shown = json.loads(status.stdout.splitlines()[0])['audio-processing']
        if str(shown) != expected.replace('@as ', ''):
            raise Failure(f'blink status --json with {options}: {shown}, not {expected}')
        if out != f'(<{expected}>,)':
            raise Failure(f'blinkd {" ".join(options)}: AudioProcessing {out}, not {expected}')

    # Set over D-Bus (the dialer's preferences): what is on follows; a
    # word that names no part changes nothing.
    daemon = Process('blinkd --audio-processing on', argv + ['--audio-source', 'silence',
                                                              '--audio-processing', 'on'], env=env)
    alice.started.append(daemon)
    subprocess.run(['gdbus', 'wait', '--session', '--timeout', '15', NAME], env=env, check=True,
                   timeout=20)

    def set_and_get(parts):
        result = subprocess.run(['gdbus', 'call', '--session', '--dest', NAME, '--object-path',
                                 ROOT, '--method', 'im.blink.Manager1.SetAudioProcessing', parts],
                                env=env, text=True, capture_output=True, timeout=20)
        shown = subprocess.run(['gdbus', 'call', '--session', '--dest', NAME, '--object-path',
                                ROOT, '--method', 'org.freedesktop.DBus.Properties.Get',
                                'im.blink.Manager1', 'AudioProcessing'],
                               env=env, text=True, capture_output=True, timeout=20)
        return result, shown.stdout.strip()

    for parts, expected in (("['noise-suppression']", "(<['noise-suppression']>,)"),
                            ('@as []', '(<@as []>,)'),
                            ("['gain-control', 'echo-cancellation']",
                             "(<['echo-cancellation', 'gain-control']>,)")):
        result, shown = set_and_get(parts)
        if result.returncode != 0 or shown != expected:
            raise Failure(f'SetAudioProcessing {parts}: {result.stderr.strip()} {shown}')
    result, shown = set_and_get("['echo-cancellation', 'loud']")
    if 'InvalidArgument' not in result.stderr or shown != "(<['echo-cancellation', 'gain-control']>,)":
        raise Failure(f'SetAudioProcessing with a bad word: {result.stderr.strip()} {shown}')
    if daemon.stop() != 0:
        raise Failure('blinkd did not stop cleanly')


def start_parties(workdir, started):
    info_a, info_b = start_ipfs_pair(started)
    alice = Party('alice', workdir, info_a['api'], started)
    alice.workdir, alice.swarm = workdir, info_a['swarm']
    bob = Party('bob', workdir, info_b['api'], started, tone=660)
    os.makedirs(os.path.join(workdir, 'nobody'))
    third, alice.third_bus = start_bus('bus without blinkd', os.path.join(workdir, 'nobody'))
    started.append(third)
    return alice, bob


def main():
    return run_tap('daemon', [
        test_interfaces_match_xml, test_bad_calls_change_nothing, test_call_through_dbus,
        test_cli, test_watch_started_as_a_call_is_made, test_mute, test_deafen, test_volume,
        test_volume_refused, test_kubo_comes_up_late, test_verified_survives_a_restart,
        test_sigterm_during_call, test_device_failure_reaches_dbus, test_file_source,
        test_file_source_refused, test_turn_password_not_on_the_command_line,
        test_audio_processing_options], start_parties)


if __name__ == '__main__':
    sys.exit(main())
