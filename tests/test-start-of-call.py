#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Nothing said after connecting is lost: the start of a call, heard.

Two blinkd each send ticks, one every 100 ms with every tenth one louder
(a marker), and record what they hear (--audio-sink wav:). What is heard
is sent audio played in order, so from the first tick heard on, every
interval between ticks must be 100 ms (within 2 ms), and every tenth tick
a marker: a skip forward shortens an interval (or loses a marker when it
is a multiple of 100 ms), silence inserted or concealment lengthens one.
Cases, each one call (a second one if it fails: blink_processes.second_chance),
judged by the callee of the caller's ticks and by the caller of the callee's:

- clean: the call as it comes;
- under load: two busy processes (one per core, nice -5) from before the
  offer to 3 s after connecting, so that the start is as late and
  bunched as on a loaded machine;
- late first RTP: alice's RTP to bob dropped from the start (RTCP, STUN
  and DTLS not, so the call connects), let through 2 s after connecting:
  bob must hear her from then on, with nothing skipped.

The last case needs a private network (tests/blink_netns.py: root), and
is skipped without it. TAP output. Needs BLINKD, BLINK and
BLINK_DBUS_XML, as tests/blink_party.py."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blink_netns  # noqa: E402
from blink_audio import judge_ticks, ticks_heard  # noqa: E402
from blink_party import Party, connect, hang_up, wait_until  # noqa: E402
from blink_processes import (SANITIZED, Failure, Load, second_chance,  # noqa: E402
                              start_ipfs_pair, tell)

INTERVAL_MS = 100
TOLERANCE_MS = 2
MARKER_PERIOD = 10
# A tick is ten periods of 1 kHz: 10 ms.
TICKS = ('audiotestsrc is-live=true wave=ticks freq=1000 volume=0.25 '
         f'tick-interval={INTERVAL_MS * 1000000} marker-tick-period={MARKER_PERIOD} '
         'marker-tick-volume=0.8')
# How much of the call is judged, from the first tick heard.
HEARD_S = 6
class Skip(Exception):
    pass


def judge(path, who):
    """What is wrong with the ticks heard in @path from the first on, for
    HEARD_S s: a list of faults (empty: nothing skipped or inserted), and
    a summary."""
    return judge_ticks(ticks_heard(path), who, INTERVAL_MS, MARKER_PERIOD, TOLERANCE_MS,
                       HEARD_S)


# audioaggregator's words for audio it throws away: a buffer, or the part
# of one, that came after the mixer's output had passed its time.
DROPPED = re.compile(r'<mixer:sink_(\d+)> Dropped (?:buffer of )?(\d+) samples')


def mixer_drops(party, since):
    """Samples of its peers' audio that @party's mixer dropped, from
    byte @since of its GStreamer log on (pad sink_0 is its own silence)."""
    with open(party.gst_log, 'rb') as f:
        f.seek(since)
        text = f.read().decode(errors='replace')
    return sum(int(m.group(2)) for m in DROPPED.finditer(text) if m.group(1) != '0')


def log_size(party):
    try:
        return os.path.getsize(party.gst_log)
    except FileNotFoundError:
        return 0


def one_call(alice, bob, before=None, after_connected=None):
    """alice calls bob; each records the other until HEARD_S s after the
    first tick could be heard, then alice hangs up. Returns the faults and
    summaries of both recordings."""
    logged = {p.name: log_size(p) for p in (alice, bob)}
    if before is not None:
        before()
    path = connect(alice, bob)
    if after_connected is not None:
        after_connected()
    for p in (alice, bob):
        start = p.heard.seconds()
        wait_until(lambda: p.heard.seconds() >= start + HEARD_S + 2, HEARD_S + 30,
                   f'{p.name}: {HEARD_S + 2} s of recording')
    hang_up(alice, bob, path)
    faults, summaries = [], []
    for p, other in ((bob, alice), (alice, bob)):
        f, summary = judge(p.heard.path, f'{p.name} hearing {other.name}')
        faults += f
        dropped = mixer_drops(p, logged[p.name])
        if dropped:
            faults.append(f'{p.name}: the mixer dropped {dropped} samples '
                          f'({dropped / 48:.0f} ms) of {other.name}')
        summary += f', mixer dropped {dropped / 48:.0f} ms'
        summaries.append(summary)
        shutil.copy(p.heard.path, os.path.join(alice.workdir, f'{p.name}-{alice.case}.wav'))
    return faults, '; '.join(summaries)


def test_clean(alice, bob):
    return one_call(alice, bob)


def test_under_load(alice, bob):
    load = []

    def start_load():
        load.append(Load())

    def stop_load_later():
        time.sleep(3)
        load[0].stop()
    try:
        return one_call(alice, bob, before=start_load, after_connected=stop_load_later)
    finally:
        for l in load:
            l.stop()


def test_late_first_rtp(alice, bob):
    if not blink_netns.inside():
        raise Skip(blink_netns.why_not())

    def drop():
        blink_netns.set_udp_loss(100, source=alice.ice_address, destination=bob.ice_address,
                                 rtp_only=True)

    def let_through_later():
        time.sleep(2)
        blink_netns.set_udp_loss(0)
    try:
        return one_call(alice, bob, before=drop, after_connected=let_through_later)
    finally:
        blink_netns.set_udp_loss(0)


def main():
    if SANITIZED:
        print('1..0 # SKIP timing judged in the normal build: sanitized daemons are 3-5 times '
              'slower than real time allows')
        return 0
    if blink_netns.why_not() is None:
        blink_netns.enter_private_network()
    private = blink_netns.inside()
    tests = [test_clean, test_under_load, test_late_first_rtp]
    only = sys.argv[1:]
    print(f'1..{len(tests)}', flush=True)
    workdir = tempfile.mkdtemp(prefix='blink-test-start-of-call-')
    keep = os.environ.get('BLINK_TEST_KEEP')
    started = []
    failed = 0
    try:
        info_a, info_b = start_ipfs_pair(started)
        alice = Party('alice', workdir, info_a['api'], started,
                      ice_address='127.0.0.2' if private else '127.0.0.1')
        bob = Party('bob', workdir, info_b['api'], started,
                    ice_address='127.0.0.3' if private else '127.0.0.1')
        for p in (alice, bob):
            p.daemon.stop()
            # What the mixer drops, it says at debug level (mixer_drops()).
            p.env['GST_DEBUG'] = os.environ.get('BLINK_TEST_GST_DEBUG', 'audioaggregator:5')
            p.env['GST_DEBUG_FILE'] = p.gst_log = os.path.join(keep or workdir, f'{p.name}-gst.log')
            p.env['GST_DEBUG_NO_COLOR'] = '1'
            # audiotestsrc's ticks (GStreamer 1.22) never write the first
            # sample of a tick: with malloc's perturbation (meson sets
            # MALLOC_PERTURB_ to a random byte) it is a click of up to full
            # scale, which Opus smears into the tick (onsets 1.4 ms early,
            # a plain tick loud enough to count as a marker).
            p.env.pop('MALLOC_PERTURB_', None)
            p.start_daemon(source=TICKS)
        alice.workdir = keep or workdir
        for i, test in enumerate(tests, 1):
            name = test.__name__[len('test_'):].replace('_', '-')
            if only and name not in only:
                print(f'ok {i} /blink/start-of-call/{name} # SKIP not asked for', flush=True)
                continue
            alice.case = name
            try:
                faults, summary = second_chance(lambda: test(alice, bob))
                if faults:
                    raise Failure('\n'.join(faults + [summary]))
                print(f'ok {i} /blink/start-of-call/{name} # {summary}', flush=True)
            except Skip as e:
                print(f'ok {i} /blink/start-of-call/{name} # SKIP {e}', flush=True)
            except (Failure, subprocess.SubprocessError) as e:
                failed += 1
                print(f'not ok {i} /blink/start-of-call/{name}', flush=True)
                tell(e)
    finally:
        for process in reversed(started):
            process.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
