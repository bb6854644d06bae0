#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""blinkcall in gst-launch-1.0: two separate gst-launch-1.0 processes, each
with its own identity and IPFS node, call each other; each records what it
hears to a WAV file, and the tone of the other side must be in it. Ctrl-C
(with -e: an end of stream) ends the call cleanly on both sides."""

import array
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blink_processes import Failure, Process, start_ipfs_pair, tell  # noqa: E402

ALICE_HZ, BOB_HZ = 440, 660
WINDOW = 4800  # 100 ms at 48 kHz


def goertzel(samples, rate, freq):
    coeff = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    return s1 * s1 + s2 * s2 - coeff * s1 * s2


def tone_windows(path, freq, other):
    """How many 100 ms windows of @path carry @freq, well above @other."""
    with wave.open(path) as w:
        rate = w.getframerate()
        data = array.array('h', w.readframes(w.getnframes()))
    windows = 0
    for start in range(0, len(data) - WINDOW, WINDOW):
        chunk = data[start:start + WINDOW]
        wanted, unwanted = goertzel(chunk, rate, freq), goertzel(chunk, rate, other)
        energy = sum(x * x for x in chunk) * WINDOW / 2
        if energy > 0 and wanted > 0.5 * energy and wanted > 100 * unwanted:
            windows += 1
    return windows


def launch(name, workdir, api, tone, extra):
    wav = os.path.join(workdir, f'{name}.wav')
    argv = ['gst-launch-1.0', '-m', '-e',
            'audiotestsrc', 'is-live=true', f'freq={tone}', 'volume=0.3', '!',
            'blinkcall', f'identity={os.path.join(workdir, name + ".key")}', f'ipfs-api={api}',
            'ice-addresses=127.0.0.1', *extra, '!',
            'wavenc', '!', 'filesink', f'location={wav}']
    env = dict(os.environ)
    if os.environ.get('BLINK_TEST_GST_PRELOAD'):
        # A sanitized plugin in an unsanitized gst-launch-1.0: its runtimes
        # first; leaks are checked by the in-process tests, not here.
        env['LD_PRELOAD'] = os.environ['BLINK_TEST_GST_PRELOAD']
        env['ASAN_OPTIONS'] = 'detect_leaks=0:abort_on_error=1'
    return Process(f'gst-launch of {name}', argv, env=env), wav


def message(process, pattern, what, timeout=30):
    return process.expect(lambda line: re.search(pattern, line), timeout, what)


def test_two_processes(workdir, started):
    info_a, info_b = start_ipfs_pair(started)

    bob, bob_wav = launch('bob', workdir, info_b['api'], BOB_HZ, ['auto-answer=true'])
    started.append(bob)
    bob_did = message(bob, r'blink-ready, did=\(string\)(did:key:\w+)', 'blink-ready').group(1)
    alice, alice_wav = launch('alice', workdir, info_a['api'], ALICE_HZ, [f'call={bob_did}'])
    started.append(alice)

    connected = r'blink-participant, call-id=\(string\)(\w+), participant=\(string\){}, ' \
                r'state=\(string\)connected'
    call = message(alice, connected.format(bob_did), 'bob connected').group(1)
    alice_did = message(bob, connected.format(r'(did:key:\w+)'), 'alice connected').group(2)
    # Three seconds of conversation are what the recordings are checked for.
    time.sleep(3)
    if alice.proc.poll() is not None or bob.proc.poll() is not None:
        raise Failure('a gst-launch ended by itself')

    # Ctrl-C: gst-launch -e sends an end of stream, blinkcall leaves the call.
    alice.proc.send_signal(signal.SIGINT)
    message(alice, rf'blink-call-removed, call-id=\(string\){call}', 'alice: call removed', 15)
    status = alice.proc.wait(15)
    if status != 0:
        raise Failure(f'alice: gst-launch exited with {status}' + alice.stderr_tail())
    message(bob, rf'blink-participant, call-id=\(string\){call}, participant=\(string\)'
            rf'{alice_did}, state=\(string\)left', 'bob: alice left', 15)
    message(bob, rf'blink-call-removed, call-id=\(string\){call}', 'bob: call removed', 15)
    bob.proc.send_signal(signal.SIGINT)
    status = bob.proc.wait(15)
    if status != 0:
        raise Failure(f'bob: gst-launch exited with {status}' + bob.stderr_tail())

    heard_by_alice = tone_windows(alice_wav, BOB_HZ, ALICE_HZ)
    heard_by_bob = tone_windows(bob_wav, ALICE_HZ, BOB_HZ)
    if heard_by_alice < 10 or heard_by_bob < 10:
        raise Failure(f'alice heard {BOB_HZ} Hz in {heard_by_alice} windows of 100 ms, '
                      f'bob heard {ALICE_HZ} Hz in {heard_by_bob}')
    return f'alice heard bob for {heard_by_alice / 10:.1f} s, bob heard alice for ' \
           f'{heard_by_bob / 10:.1f} s'


def main():
    print('1..1', flush=True)
    workdir = tempfile.mkdtemp(prefix='blink-test-blinkcall-')
    started = []
    try:
        detail = test_two_processes(workdir, started)
        print(f'ok 1 /blink/blinkcall/two-gst-launch-processes # {detail}', flush=True)
        return 0
    except Failure as e:
        print('not ok 1 /blink/blinkcall/two-gst-launch-processes', flush=True)
        tell(e)
        for process in started:
            tell('\n'.join(process.stderr[-15:]), process.name)
        return 1
    finally:
        for process in reversed(started):
            process.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
