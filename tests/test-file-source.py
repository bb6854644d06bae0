#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A file played into a call (--audio-source file:) is heard whole, in
real time: nothing of it skipped, nothing inserted.

Alice plays a WAV file of numbered ticks, one every 100 ms, to the end of
the file; bob records what he hears (--audio-sink wav:). Each tick is
10 ms of one of 11 tones, the tick's number modulo 11, and every tenth
is louder (a marker), so each tick heard can be numbered (modulo 110,
more than the file holds). What was said before the call connected is
not heard, by design; from the second tick heard on, every interval must
be 100 ms (within 2 ms), each tick the one after the last, and the last
tick heard the last of the file. Alice's file mixer must have dropped
none of the file (its debug log is read). Cases, each one call:

- clean;
- under load: two busy processes (one per core, nice -5) from before the
  offer to 3 s after connecting.

TAP output. Needs BLINKD, BLINK and BLINK_DBUS_XML, as tests/blink_party.py."""

import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blink_audio import judge_ticks, ticks_heard  # noqa: E402
from blink_party import Party, connect, hang_up, wait_until  # noqa: E402
from blink_processes import (SANITIZED, Failure, Load, second_chance,  # noqa: E402
                              start_ipfs_pair, tell)

RATE = 48000
INTERVAL_MS = 100
TOLERANCE_MS = 2
MARKER_PERIOD = 10
TICKS = 100
# Tick n is a burst of FREQUENCIES[n % 11]: 11 and 10 have no common
# factor, so the tone and the marker number a tick modulo 110.
FREQUENCIES = [400 + 200 * i for i in range(11)]
TICK_VOLUME = 0.25
MARKER_VOLUME = 0.8

# What audioaggregator says when it throws away input that came after its
# output had passed its time; file_then_silence is the file source's mixer
# in blinkd.
FILE_DROPPED = re.compile(r'<file_then_silence:sink_0> Dropped (?:buffer of )?(\d+) samples')


def write_ticks(path):
    """TICKS ticks, the first 50 ms in, then 1 s of silence. Each burst
    rises and falls over 1 ms: Opus smears a sudden loud onset over its
    short transform (2.5 ms) before it, and the onset of a marker would
    be heard early."""
    ramp = RATE // 1000
    samples = [0.0] * (RATE // 20)
    for n in range(TICKS):
        level = MARKER_VOLUME if n % MARKER_PERIOD == 0 else TICK_VOLUME
        f = FREQUENCIES[n % len(FREQUENCIES)]
        length = RATE // 100
        burst = [level * math.sin(2 * math.pi * f * i / RATE)
                 * min(1.0, i / ramp, (length - i) / ramp) for i in range(length)]
        samples += burst + [0.0] * (RATE * INTERVAL_MS // 1000 - length)
    samples += [0.0] * RATE
    with wave.open(path, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b''.join(int(v * 32767).to_bytes(2, 'little', signed=True)
                               for v in samples))


def numbered(ticks, who):
    """Faults in the numbers of @ticks (of ticks_heard()), from the second
    on: each must follow the last, and the last be the file's last."""
    ticks = ticks[1:]
    markers = [i for i, t in enumerate(ticks) if t[1]]
    if not markers:
        return [f'{who}: no marker heard'], None
    # The first marker's number is a multiple of 10; its tone gives it
    # modulo 11.
    m = markers[0]
    first = next(n for n in range(0, 110, MARKER_PERIOD)
                 if n % len(FREQUENCIES) == ticks[m][2]) - m
    faults = []
    for i, (t, _, which) in enumerate(ticks):
        if which != (first + i) % len(FREQUENCIES):
            faults.append(f'{who}: the tick at {t:.3f} s is not tick {first + i} '
                          f'(tone {FREQUENCIES[which]} Hz)')
            break
    last = first + len(ticks) - 1
    if last != TICKS - 1:
        faults.append(f'{who}: the last tick heard is tick {last}, the file has {TICKS}')
    return faults, first


def file_drops(party, since):
    with open(party.gst_log, 'rb') as f:
        f.seek(since)
        text = f.read().decode(errors='replace')
    return sum(int(m.group(1)) for m in FILE_DROPPED.finditer(text))


def log_size(party):
    try:
        return os.path.getsize(party.gst_log)
    except FileNotFoundError:
        return 0


def one_call(alice, bob, before=None, after_connected=None):
    """alice calls bob, who records until the file is over; the faults and
    a summary."""
    logged = log_size(alice)
    if before is not None:
        before()
    path = connect(alice, bob)
    if after_connected is not None:
        after_connected()
    start = bob.heard.seconds()
    length = TICKS * INTERVAL_MS / 1000 + 1
    wait_until(lambda: bob.heard.seconds() >= start + length + 1, length + 30,
               f'bob: {length + 1} s of recording')
    hang_up(alice, bob, path)
    ticks = ticks_heard(bob.heard.path, FREQUENCIES)
    faults, summary = judge_ticks(ticks, 'bob hearing alice', INTERVAL_MS, MARKER_PERIOD,
                                  TOLERANCE_MS)
    more, first = numbered(ticks, 'bob hearing alice')
    faults += more
    dropped = file_drops(alice, logged)
    if dropped:
        faults.append(f'alice: her file mixer dropped {dropped} samples ({dropped / 48:.0f} ms) '
                      'of the file')
    summary += f', ticks {first} to {TICKS - 1}, file mixer dropped {dropped / 48:.0f} ms'
    shutil.copy(bob.heard.path, os.path.join(alice.workdir, f'bob-{alice.case}.wav'))
    return faults, summary


def test_clean(alice, bob):
    return one_call(alice, bob)


def test_under_load(alice, bob):
    load = []

    def stop_load_later():
        time.sleep(3)
        load[0].stop()
    try:
        return one_call(alice, bob, before=lambda: load.append(Load()),
                        after_connected=stop_load_later)
    finally:
        for l in load:
            l.stop()


def main():
    if SANITIZED:
        print('1..0 # SKIP timing judged in the normal build: sanitized daemons are 3-5 times '
              'slower than real time allows')
        return 0
    tests = [test_clean, test_under_load]
    only = sys.argv[1:]
    print(f'1..{len(tests)}', flush=True)
    workdir = tempfile.mkdtemp(prefix='blink-test-file-source-')
    keep = os.environ.get('BLINK_TEST_KEEP')
    keep = os.path.abspath(keep) if keep else None
    started = []
    failed = 0
    try:
        ticks = os.path.join(workdir, 'ticks.wav')
        write_ticks(ticks)
        info_a, info_b = start_ipfs_pair(started)
        alice = Party('alice', workdir, info_a['api'], started)
        bob = Party('bob', workdir, info_b['api'], started)
        alice.daemon.stop()
        # What the file's mixer drops, it says at debug level (file_drops()).
        alice.env['GST_DEBUG'] = os.environ.get('BLINK_TEST_GST_DEBUG', 'audioaggregator:5')
        alice.env['GST_DEBUG_FILE'] = alice.gst_log = os.path.join(keep or workdir,
                                                                   'alice-gst.log')
        alice.env['GST_DEBUG_NO_COLOR'] = '1'
        alice.start_daemon(source=f'file:{ticks}')
        alice.workdir = keep or workdir
        for i, test in enumerate(tests, 1):
            name = test.__name__[len('test_'):].replace('_', '-')
            if only and name not in only:
                print(f'ok {i} /blink/file-source/{name} # SKIP not asked for', flush=True)
                continue
            alice.case = name
            try:
                faults, summary = second_chance(lambda: test(alice, bob))
                if faults:
                    raise Failure('\n'.join(faults + [summary]))
                print(f'ok {i} /blink/file-source/{name} # {summary}', flush=True)
            except (Failure, subprocess.SubprocessError) as e:
                failed += 1
                print(f'not ok {i} /blink/file-source/{name}', flush=True)
                tell(e)
    finally:
        for process in reversed(started):
            process.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
