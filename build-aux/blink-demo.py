#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real call between two Blink daemons on this machine, with a report.

Starts a local IPFS network of two nodes (Kubo, or with --ipfs js the
js-libp2p node of tests/ipfs-node), two session buses and two blinkd (alice and bob, each with its own identity, node and
bus). Alice calls Bob through the `blink` command line, Bob answers, they
talk (each sends its own tone), each records what it hears to a WAV file,
Alice hangs up, and a report says what happened. Exits non-zero if any
step failed. Every process started here is stopped on the way out.

Usage: blink-demo.py BUILD_DIR [--seconds N] [--keep DIR] [--bench N] [--ipfs kubo|js]
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'tests'))
from blink_audio import dominant_frequency  # noqa: E402
from blink_processes import (DEFAULT_KIND, Failure, Process, start_bus, start_ipfs_pair,  # noqa: E402
                             watch_event)

TONES = {'alice': 440, 'bob': 660}


def analyse(path):
    """(seconds recorded, seconds with sound, dominant Hz, RMS) of the middle second."""
    with wave.open(path, 'rb') as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        frames = w.readframes(w.getnframes())
    if width != 2:
        raise Failure(f'{path}: expected 16-bit samples')
    values = memoryview(frames).cast('h')[::channels]
    seconds = len(values) / rate
    # Sound: 20 ms blocks louder than -40 dBFS.
    block = rate // 50
    loud = sum(1 for i in range(0, len(values) - block, block)
               if max(abs(v) for v in values[i:i + block]) > 328)
    # The middle second of what was heard, decimated to 8 kHz for speed.
    step = max(1, rate // 8000)
    middle = len(values) // 2
    window = [v / 32768 for v in values[max(0, middle - rate // 2):middle + rate // 2:step]]
    rms = math.sqrt(sum(v * v for v in window) / len(window)) if window else 0
    dominant = dominant_frequency(window, rate / step) if rms > 0.001 else 0
    return seconds, loud / 50, dominant, rms


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('build_dir')
    parser.add_argument('--seconds', type=float, default=4)
    parser.add_argument('--keep', help='keep the recordings in this folder')
    parser.add_argument('--bench', type=int, default=0, metavar='N',
                        help='then make N more calls and print setup and teardown times')
    parser.add_argument('--ipfs', choices=('kubo', 'js'), default=DEFAULT_KIND,
                        help='the kind of IPFS node (default: %(default)s)')
    args = parser.parse_args()

    blinkd = os.path.join(args.build_dir, 'app', 'daemon', 'blinkd')
    blink = os.path.join(args.build_dir, 'app', 'cli', 'blink')
    workdir = tempfile.mkdtemp(prefix='blink-demo-')
    started = []
    report = {}
    ok = True

    def step(text):
        print(f'demo: {text}', flush=True)

    def cli(env, *words):
        result = subprocess.run([blink, *words], env=env, text=True, capture_output=True,
                                timeout=30)
        if result.returncode != 0:
            raise Failure(f'blink {" ".join(words)} exited with {result.returncode}: '
                          f'{result.stderr.strip()}')
        return result.stdout.strip()

    try:
        step(f'starting a local IPFS network of two {args.ipfs} nodes')
        info_a, info_b = start_ipfs_pair(started, kind=args.ipfs)

        def recording(name, kind='heard'):
            return os.path.join(workdir, f'{name}-{kind}.wav')

        envs, watches = {}, {}
        for name, node_info in (('alice', info_a), ('bob', info_b)):
            home = os.path.join(workdir, name)
            os.makedirs(home)
            bus, address = start_bus(f'session bus of {name}', home)
            started.append(bus)
            env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address,
                       XDG_CONFIG_HOME=os.path.join(home, 'config'),
                       XDG_STATE_HOME=os.path.join(home, 'state'), BLINK_IPFS_API='')
            env.pop('BLINK_IPFS_API')
            envs[name] = env
            step(f'starting blinkd for {name} (tone {TONES[name]} Hz, ICE on 127.0.0.1)')
            daemon = Process(f'blinkd of {name}', [
                blinkd, '--ipfs-api', node_info['api'],
                '--audio-source', f'tone:{TONES[name]}',
                '--audio-sink', 'wav:' + recording(name),
                '--ice-address', '127.0.0.1'], env=env)
            started.append(daemon)
            report[name] = {'daemon': daemon}
            subprocess.run(['gdbus', 'wait', '--session', '--timeout', '15', 'im.blink.Blink1'],
                           env=env, check=True, timeout=20)
            report[name]['did'] = cli(env, 'id')
            watch = Process(f'blink watch of {name}', [blink, 'watch', '--json'], env=env)
            started.append(watch)
            watches[name] = watch
        time.sleep(0.2)  # the watches subscribe

        def event(name, kind, **fields):
            return watch_event(watches[name], kind, **fields)

        def call_and_answer():
            """(call id, ms from `blink call` to both connected, blinkd's SetupTime in ms)"""
            offered = time.monotonic()
            call_id = cli(envs['alice'], 'call', report['bob']['did'])
            event('bob', 'incoming-call', call=call_id)
            cli(envs['bob'], 'answer', call_id)
            event('alice', 'participant', call=call_id, did=report['bob']['did'],
                  **{'participant-state': 'connected'})
            event('bob', 'participant', call=call_id, did=report['alice']['did'],
                  **{'participant-state': 'connected'})
            setup_ms = (time.monotonic() - offered) * 1000
            status = json.loads(cli(envs['alice'], 'status', '--json'))
            return call_id, setup_ms, status['calls'][0]['setup-time-us'] / 1000

        def hang_up(call_id):
            """ms from `blink hangup` to the call removed, at alice and at bob"""
            hung_up = time.monotonic()
            cli(envs['alice'], 'hangup')
            ended = {}
            for name in ('alice', 'bob'):
                event(name, 'call-removed', call=call_id)
                ended[name] = (time.monotonic() - hung_up) * 1000
            return ended

        step('alice calls bob, bob answers')
        call_id, report['setup_ms'], report['setup_daemon_ms'] = call_and_answer()

        def stats_of(name, other):
            lines = cli(envs[name], 'stats', '--json').splitlines()
            return next((s for s in map(json.loads, lines) if s['did'] == report[other]['did']),
                        {})

        step(f'they talk for {args.seconds:g} s')
        # Figures at the start of the talk: the jitter buffer counts as lost
        # whatever was sent before the connection was up.
        for name, other in (('alice', 'bob'), ('bob', 'alice')):
            report[name]['stats_start'] = stats_of(name, other)
        time.sleep(args.seconds)
        for name, other in (('alice', 'bob'), ('bob', 'alice')):
            report[name]['stats'] = stats_of(name, other)

        step('alice hangs up')
        for name, ms in hang_up(call_id).items():
            report[name]['ended_ms'] = ms
            # Keep this call's recording: a later call (--bench) writes a new
            # one. wavenc may still be completing it; the rename follows.
            os.replace(recording(name), recording(name, 'demo'))

        if args.bench:
            step(f'benchmark: {args.bench} more calls, answered as soon as they ring')
            setups, daemon_setups, teardowns = [], [], []
            for _ in range(args.bench):
                call_id, setup_ms, daemon_setup_ms = call_and_answer()
                setups.append(setup_ms)
                daemon_setups.append(daemon_setup_ms)
                teardowns.append(hang_up(call_id)['alice'])
            for what, values in (('setup, blink call → both connected (CLI and answer included)',
                                  setups),
                                 ('setup, as blinkd measures it (Offer → connected)',
                                  daemon_setups),
                                 ('teardown, blink hangup → call removed', teardowns)):
                values.sort()
                p50 = values[len(values) // 2]
                p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
                print(f'bench: [{args.ipfs}] daemons {what}: p50 {p50:.1f} ms, p95 {p95:.1f} ms '
                      f'over {len(values)} calls', flush=True)

        step('stopping the daemons')
        for name in ('alice', 'bob'):
            report[name]['exit'] = report[name]['daemon'].stop()
    except (Failure, subprocess.SubprocessError, OSError) as e:
        print(f'demo: FAILED: {e}', file=sys.stderr)
        ok = False
    finally:
        for process in reversed(started):
            process.stop()

    if ok:
        report['ipfs'] = args.ipfs
        ok = print_report(report, workdir)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        for name in ('alice', 'bob'):
            path = os.path.join(workdir, f'{name}-demo.wav')
            if os.path.exists(path):
                shutil.copy(path, os.path.join(args.keep, f'{name}-heard.wav'))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


def print_report(report, workdir):
    ok = True
    print('\nBlink demo call report')
    for name in ('alice', 'bob'):
        print(f'  {name:5}  {report[name]["did"]}')
    print(f'  IPFS: two local {report["ipfs"]} nodes, pubsub between them only')
    print(f'  call setup: {report["setup_ms"]:.0f} ms from “blink call” to both sides '
          f'connected (answer included); blinkd measured {report["setup_daemon_ms"]:.0f} ms '
          f'from offer to connected')
    for name, other in (('alice', 'bob'), ('bob', 'alice')):
        seconds, loud, dominant, rms = analyse(os.path.join(workdir, f'{name}-demo.wav'))
        sent_tone = TONES[other]
        heard_right = abs(dominant - sent_tone) <= 10
        ok &= heard_right
        stats, start = report[name]['stats'], report[name]['stats_start']
        # Loss while talking: what the other side's webrtcbin sent to us
        # against what ours received, over the same seconds (both counted
        # live; a packet or two may be in flight at either end).
        their, their_start = report[other]['stats'], report[other]['stats_start']
        sent = their.get('packets-sent', 0) - their_start.get('packets-sent', 0)
        received = stats.get('packets-received', 0) - start.get('packets-received', 0)
        missing = max(0, sent - received)
        loss = 100 * missing / sent if sent else 100
        ok &= received > 0
        print(f'  {name} heard {seconds:.1f} s ({loud:.1f} s of sound) in {name}-heard.wav: '
              f'dominant {dominant} Hz, {other} sent {sent_tone} Hz '
              f'{"✓" if heard_right else "✗"}')
        print(f'    while talking: {other} sent {sent} RTP packets, {name} received '
              f'{received}: {missing} missing ({loss:.1f} %), jitter '
              f'{1000 * stats.get("jitter", 0):.1f} ms; the jitter buffer counts '
              f'{max(0, stats.get("packets-lost", 0))} lost in all, the gaps of before the '
              f'connection was up included')
    for name in ('alice', 'bob'):
        clean = report[name]['exit'] == 0
        ok &= clean
        print(f'  {name}: call ended {report[name]["ended_ms"]:.0f} ms after the hang-up, '
              f'blinkd exited {"cleanly" if clean else "with " + str(report[name]["exit"])}')
    print('  result: ' + ('the call worked' if ok else 'FAILED'))
    return ok


if __name__ == '__main__':
    sys.exit(main())
