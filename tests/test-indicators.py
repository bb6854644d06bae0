#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Speaking indicators and quality warnings through blinkd, by real
calls between two daemons (tests/blink_party.py) in a private network
(tests/blink_netns.py) where alice sends from 127.0.0.2 and bob from
127.0.0.3, so that what alice sends bob can be lost on purpose. Without
root the loss tests are skipped and the others run on 127.0.0.1. TAP
output."""

import array
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blink_netns  # noqa: E402
from blink_party import (BLINK, ROOT, Party, connect, hang_up,  # noqa: E402
                         packets_received, wait_until)
from blink_processes import Failure, Process, start_ipfs_pair, watch_event  # noqa: E402

# What the engine promises (docs/engine.md, "Speaking", "Quality warnings").
MIN_CHANGE_S = 0.25
NO_AUDIO_S = 2


class Skip(Exception):
    pass


def watch(party):
    """`blink watch --json` of @party, for the whole test: one started just
    before a call could miss its first events."""
    party.watch = Process(f'blink watch of {party.name}', [BLINK, 'watch', '--json'],
                          env=party.env)
    party.started.append(party.watch)
    return party.watch


def speaking(w, path, did, on, timeout=20):
    return watch_event(w, 'speaking', timeout=timeout, call=call_of(path), did=did, speaking=on)


def quality(w, path, did, has, problem, timeout):
    """The next quality event of @did in the call at @path whose problems
    include @problem (or not)."""
    def match(line):
        e = json.loads(line)
        return e if (e['event'] == 'quality' and e['did'] == did and e['call'] == call_of(path)
                     and (problem in e['problems']) == has) else None
    return w.expect(match, timeout, f'quality event with{"" if has else "out"} {problem}')


def call_of(path):
    return path.rsplit('/', 1)[1]


def test_speaking_follows_mute(alice, bob):
    """Each side sees alice speak (bob from her audio, alice from her
    microphone); muted, she stops for both, though her packets still come
    (so that is not "no audio"); unmuted, she speaks again."""
    wa, wb = alice.watch, bob.watch
    path = connect(alice, bob)
    speaking(wb, path, alice.did, True)
    speaking(wa, path, alice.did, True)
    if alice.did not in bob.get(path, 'im.blink.Call1', 'Speaking'):
        raise Failure('bob: alice not in Speaking')
    listed = alice.get(path, 'im.blink.Call1', 'Speaking')
    if alice.did not in listed:
        raise Failure(f'alice: Speaking is {listed}')

    if alice.blink('mute').returncode != 0:
        raise Failure('blink mute failed')
    speaking(wb, path, alice.did, False)
    speaking(wa, path, alice.did, False)
    # Longer than "no audio" takes, counted in her packets (50 a second).
    enough = packets_received(bob, alice) + 50 * (NO_AUDIO_S + 2)
    wait_until(lambda: packets_received(bob, alice) >= enough, 20,
               'packets from muted alice')
    q = bob.get(path, 'im.blink.Call1', 'Quality')
    if 'no-audio' in q or alice.did not in q:
        raise Failure(f'muted alice taken for no audio, or not listed: {q}')
    if alice.did in bob.get(path, 'im.blink.Call1', 'Speaking'):
        raise Failure('bob: alice still speaking while muted')

    if alice.blink('unmute').returncode != 0:
        raise Failure('blink unmute failed')
    speaking(wb, path, alice.did, True)
    speaking(wa, path, alice.did, True)
    hang_up(alice, bob, path)


def write_bursts(path, seconds, on_ms=120, off_ms=430, rate=16000):
    """A tone in bursts: just long enough to count as speech, and silent
    just long enough to stop, so that the thresholds alone would change
    the indicator about 100 ms after it went off."""
    samples = array.array('h')
    period = (on_ms + off_ms) * rate // 1000
    for i in range(int(seconds * rate)):
        on = i % period < on_ms * rate // 1000
        samples.append(int(8000 * math.sin(2 * math.pi * 440 * i / rate)) if on else 0)
    with wave.open(path, 'wb') as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(samples.tobytes())


def test_speaking_rate_limit(alice, bob):
    """A voice in bursts that the thresholds alone would follow with
    changes about 100 ms apart reaches bob at most four times a second."""
    bursts = os.path.join(alice.workdir, 'bursts.wav')
    write_bursts(bursts, 30)
    alice.daemon.stop()
    alice.start_daemon(source=f'file:{bursts}')
    try:
        wb = bob.watch
        path = connect(alice, bob)
        times = []
        while len(times) < 12:
            times.append(watch_event(wb, 'speaking', call=call_of(path),
                                     did=alice.did)['time-us'] / 1e6)
        gaps = [b - a for a, b in zip(times, times[1:])]
        hang_up(alice, bob, path)
    finally:
        alice.daemon.stop()
        alice.start_daemon()
    # Their arrival here may bunch a little on a loaded machine.
    if min(gaps) < MIN_CHANGE_S - 0.05:
        raise Failure(f'changes {min(gaps) * 1000:.0f} ms apart: '
                      f'{[round(g * 1000) for g in gaps]}')
    return f'closest changes {min(gaps) * 1000:.0f} ms apart'


def need_private_network():
    if not blink_netns.inside():
        raise Skip(blink_netns.why_not())


def test_loss_warning(alice, bob):
    """25 % of alice's packets to bob lost: bob is warned about alice
    within seconds, alice about nobody; without the loss the warning goes
    after its hysteresis."""
    need_private_network()
    wb = bob.watch
    path = connect(alice, bob)
    try:
        blink_netns.set_udp_loss(25, source=alice.ice_address, destination=bob.ice_address)
        raised = quality(wb, path, alice.did, True, 'loss', timeout=20)
        if 'loss' in alice.get(path, 'im.blink.Call1', 'Quality'):
            raise Failure('alice warned of loss, though what bob sends her is not lost')
    finally:
        blink_netns.set_udp_loss(0)
    cleared = quality(wb, path, alice.did, False, 'loss', timeout=40)
    hang_up(alice, bob, path)
    seconds = (cleared['time-us'] - raised['time-us']) / 1e6
    return f'loss {raised["loss"] * 100:.0f} %, cleared {seconds:.0f} s later'


def test_no_audio_from_the_start(alice, bob):
    """Connected, but alice's audio never reaches bob (her RTP dropped,
    RTCP, STUN and DTLS not): bob sees "no audio" from her while the call
    stays up; once her audio passes, it goes."""
    need_private_network()
    wb = bob.watch
    try:
        blink_netns.set_udp_loss(100, source=alice.ice_address, destination=bob.ice_address,
                                 rtp_only=True)
        path = connect(alice, bob)
        event = quality(wb, path, alice.did, True, 'no-audio', timeout=20)
        if f"('{alice.did}', 'connected'" not in bob.get(path, 'im.blink.Call1', 'Participants'):
            raise Failure('bob: alice no longer connected')
    finally:
        blink_netns.set_udp_loss(0)
    quality(wb, path, alice.did, False, 'no-audio', timeout=20)
    speaking(wb, path, alice.did, True)
    hang_up(alice, bob, path)
    return f'no audio for {event["silent-for"]:.1f} s'


def test_no_audio_during_the_call(alice, bob):
    """All of alice's UDP to bob lost during a call: "no audio from alice"
    while she is still connected (taken for gone only after 5 s), gone
    when her packets come again."""
    need_private_network()
    wb = bob.watch
    path = connect(alice, bob)
    speaking(wb, path, alice.did, True)
    try:
        blink_netns.set_udp_loss(100, source=alice.ice_address, destination=bob.ice_address)
        quality(wb, path, alice.did, True, 'no-audio', timeout=10)
        still = bob.get(path, 'im.blink.Call1', 'Participants')
    finally:
        blink_netns.set_udp_loss(0)
    if f"('{alice.did}', 'connected'" not in still:
        raise Failure(f'bob: alice not connected when her audio stopped: {still}')
    speaking(wb, path, alice.did, False)
    quality(wb, path, alice.did, False, 'no-audio', timeout=10)
    hang_up(alice, bob, path)


def main():
    reason = blink_netns.why_not()
    if reason is None:
        blink_netns.enter_private_network()
    tests = [test_speaking_follows_mute, test_speaking_rate_limit, test_loss_warning,
             test_no_audio_from_the_start, test_no_audio_during_the_call]
    print(f'1..{len(tests)}', flush=True)
    workdir = tempfile.mkdtemp(prefix='blink-test-indicators-')
    started = []
    failed = 0
    private = blink_netns.inside()
    try:
        info_a, info_b = start_ipfs_pair(started)
        alice = Party('alice', workdir, info_a['api'], started,
                      ice_address='127.0.0.2' if private else '127.0.0.1')
        alice.workdir = workdir
        bob = Party('bob', workdir, info_b['api'], started, tone=660,
                    ice_address='127.0.0.3' if private else '127.0.0.1')
        watch(alice)
        watch(bob)
        for i, test in enumerate(tests, 1):
            name = test.__name__[len('test_'):].replace('_', '-')
            try:
                detail = test(alice, bob)
                print(f'ok {i} /blink/indicators/{name}' + (f' # {detail}' if detail else ''),
                      flush=True)
            except Skip as e:
                print(f'ok {i} /blink/indicators/{name} # SKIP {e}', flush=True)
            except (Failure, subprocess.SubprocessError, json.JSONDecodeError) as e:
                failed += 1
                print(f'not ok {i} /blink/indicators/{name}', flush=True)
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
