# SPDX-License-Identifier: LGPL-2.1-or-later
"""blinkd daemons for the integration tests: each on its own session bus,
driven with generic D-Bus clients (gdbus) and `blink`, heard through the
WAV file it records. Needs BLINKD and BLINK in the environment (meson
sets them)."""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from blink_audio import Wav, block_levels_db, dominant_frequency
from blink_processes import Failure, Process, Skip, start_bus, tell

BLINKD = os.environ['BLINKD']
BLINK = os.environ['BLINK']
NAME = 'im.blink.Blink1'
ROOT = '/im/blink/Blink1'


class Party:
    """A blinkd on its own bus; @api None: blinkd finds the node as users' do.
    It sends a tone of @tone Hz, records what it hears in self.heard, and
    makes its connections from @ice_address. @wrapper: an argv prefix that
    blinkd runs under (e.g. `ip netns exec NAME`)."""

    def __init__(self, name, workdir, api, started, tone=440, ice_address='127.0.0.1',
                 daemon_args=(), wrapper=(), **env):
        self.name = name
        self.daemon_args = list(daemon_args)
        self.wrapper = list(wrapper)
        self.home = home = os.path.join(workdir, name)
        os.makedirs(home)
        self.tone = tone
        self.ice_address = ice_address
        self.heard = Wav(os.path.join(home, 'heard.wav'))
        self.bus, address = start_bus(f'bus of {name}', home)
        started.append(self.bus)
        # The contacts and call history blinkd keeps go to XDG_DATA_HOME:
        # the test's, never the user's.
        self.env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address,
                        XDG_CONFIG_HOME=os.path.join(home, 'config'),
                        XDG_STATE_HOME=os.path.join(home, 'state'),
                        XDG_DATA_HOME=os.path.join(home, 'data'))
        self.env.update(env)
        for variable in ('BLINK_IPFS_API', 'IPFS_API'):
            self.env.pop(variable, None)
        self.api = api
        self.started = started
        self.monitor = Process(f'gdbus monitor of {name}',
                               ['gdbus', 'monitor', '--session', '--dest', NAME], env=self.env)
        started.append(self.monitor)
        self.start_daemon()

    def start_daemon(self, source=None, sink=None):
        api = ['--ipfs-api', self.api] if self.api else []
        self.daemon = Process(f'blinkd of {self.name}', [
            *self.wrapper, BLINKD, *api, '--audio-source', source or f'tone:{self.tone}',
            '--audio-sink', sink or f'wav:{self.heard.path}',
            '--ice-address', self.ice_address, *self.daemon_args], env=self.env,
            cwd=self.home, exe=BLINKD)
        self.started.append(self.daemon)
        subprocess.run(['gdbus', 'wait', '--session', '--timeout', '15', NAME], env=self.env,
                       check=True, timeout=20)
        self.did = self.get(ROOT, 'im.blink.Manager1', 'Did')

    def gdbus(self, path, method, *args, check=True):
        try:
            result = subprocess.run(['gdbus', 'call', '--session', '--dest', NAME,
                                     '--object-path', path, '--method', method, *args],
                                    env=self.env, text=True, capture_output=True, timeout=20)
        except subprocess.TimeoutExpired:
            raise self.hung(f'{method}: no reply within 20 s')
        if check and result.returncode != 0:
            if 'Timeout was reached' in result.stderr or self.daemon.proc.poll() is not None:
                raise self.hung(f'{method}: {result.stderr.strip()}')
            raise Failure(f'{self.name}: {method} failed: {result.stderr.strip()}')
        return result

    def hung(self, what):
        """A Failure for a daemon that did not do @what in time, with its
        threads' stacks: what it was doing instead."""
        return Failure(f'{self.name}: {what}\n  blinkd\'s threads:\n{self.daemon.stacks()}'
                       f'{self.daemon.stderr_tail(20)}{self.daemon.unread_tail()}')

    def get(self, path, interface, prop):
        """A property as gdbus prints it, strings and paths without their quotes."""
        out = self.gdbus(path, 'org.freedesktop.DBus.Properties.Get', interface, prop).stdout
        m = re.match(r"\(<(?:objectpath )?'(.*)'>,\)$|\(<(.*)>,\)$", out.strip())
        if m is None:
            raise Failure(f'unexpected reply {out!r}')
        return m.group(1) if m.group(1) is not None else m.group(2)

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
        try:
            return self.monitor.expect(lambda line: re.search(pattern, line), timeout,
                                       f'signal matching {pattern}')
        except Failure as e:
            raise self.hung(str(e))


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


def offer(caller, callee):
    """@caller calls @callee; the call's path, once it rings there."""
    out = caller.gdbus(ROOT, 'im.blink.Manager1.Offer', f"['{callee.did}']").stdout
    path = re.search(r"objectpath '([^']+)'", out).group(1)
    callee.wait_signal(rf"IncomingCall \(objectpath '{path}'")
    return path


def connect(caller, callee):
    """@caller calls @callee, who answers; the call's path once both are connected."""
    path = offer(caller, callee)
    callee.gdbus(path, 'im.blink.Call1.Accept')
    # This call's connected, not one of an earlier call still in the
    # monitor's lines: gdbus monitor starts each line with the object path.
    for me, other in ((caller, callee), (callee, caller)):
        try:
            me.wait_signal(rf"^{re.escape(path)}: .*\('{other.did}', 'connected'")
        except Failure as e:
            raise Failure(f'{e}\n  {other.name}\'s blinkd:{other.daemon.stderr_tail(20)}'
                          f'{other.daemon.unread_tail()}') from None
    return path


def hang_up(caller, callee, path):
    """@caller leaves the call at @path; returns once it is gone on both sides."""
    caller.gdbus(path, 'im.blink.Call1.Hangup')
    for me in (caller, callee):
        me.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'")
        if path in me.managed_objects():
            raise Failure(f'{me.name} still lists the call')


# What is heard after a change (mute, volume…) reaches the recording late:
# filesink writes in blocks of 64 KiB (0.7 s of 48 kHz mono), and the media
# path adds its latency (jitter buffer, mixer). A change made when the
# recording is S s long must show in a window of WINDOW s that starts
# between S and S + SETTLE.
SETTLE = 1.2
WINDOW = 0.5
SILENT_DB = -60
TONE_DB = -30


def heard(party, start):
    """@party's recording from @start s on, for WINDOW s, once written:
    (samples, rate, median and loudest level of its 20 ms blocks in dBFS).
    The median is deaf to a short dropout."""
    wait_until(lambda: party.heard.seconds() >= start + WINDOW, 15,
               f'{party.name}: recording up to {start + WINDOW:.1f} s')
    samples, rate = party.heard.samples(start, WINDOW)
    levels = block_levels_db(samples, rate)
    return samples, rate, statistics.median(levels), max(levels)


def find_heard(party, start, meets, what, within=SETTLE):
    """The first window from @start on, in steps of 0.1 s, whose median and
    loudest levels @meets; one must start within @within s."""
    t = start
    while True:
        samples, rate, median, loudest = heard(party, t)
        if meets(median, loudest):
            return samples, rate, median, loudest
        if t >= start + within:
            raise Failure(f'{party.name} {what}: not within {within} s of {start:.1f} s of its '
                          f'recording (last: {median:.1f} dBFS, up to {loudest:.1f})')
        t += 0.1


def expect_tone(party, start, tone, what, within=SETTLE):
    """The level of @tone Hz heard from @start on (dBFS, median of the blocks)."""
    samples, rate, median, _ = find_heard(party, start, lambda median, _: median >= TONE_DB,
                                          f'{what}: no sound above {TONE_DB} dBFS', within)
    frequency = dominant_frequency(samples, rate)
    if abs(frequency - tone) > 10:
        raise Failure(f'{party.name} {what}: {frequency} Hz, expected {tone} Hz')
    return median


def wait_for_tone(party, tone, what, within=6):
    """The level (dBFS) of @tone Hz once @party hears it: the recording
    from now on, in windows 0.1 s apart, until one is @tone Hz and loud
    (a window that only starts loud, or holds a glitch, is passed over)."""
    t = start = party.heard.seconds()
    seen = []  # (frequency, median dBFS) of each window, for the failure
    while True:
        samples, rate, median, _ = heard(party, t)
        frequency = dominant_frequency(samples, rate)
        if median >= TONE_DB and abs(frequency - tone) <= 10:
            return median
        seen.append((frequency, round(median)))
        if t >= start + within:
            runs = []
            for window in seen:
                if runs and runs[-1][0] == window:
                    runs[-1][1] += 1
                else:
                    runs.append([window, 1])
            windows = ', '.join(f'{f} Hz {db} dB ×{n}' for (f, db), n in runs)
            raise Failure(f'{party.name} {what}: no {tone} Hz within {within} s of its '
                          f'recording from {start:.1f} s (windows 0.1 s apart: {windows}; '
                          f'{party.heard.describe()})')
        t += 0.1


def expect_silence(party, start, what):
    """The loudest level (dBFS) of the first silent window from @start on."""
    return find_heard(party, start, lambda _, loudest: loudest <= SILENT_DB,
                      f'{what}: no silence (under {SILENT_DB} dBFS)')[3]


def stats_of(party, other):
    """@party's `blink stats --json` figures of @other in the active call."""
    result = party.blink('stats', '--json')
    for line in result.stdout.splitlines():
        stats = json.loads(line)
        if stats['did'] == other.did:
            return stats
    raise Failure(f'{party.name}: no stats of {other.name}: {result.stdout!r} {result.stderr!r}')


def packets_received(party, other):
    """RTP packets @party has received from @other in the active call."""
    return stats_of(party, other)['packets-received']


def run_tap(suite, tests, start_parties, reason=None):
    """Runs @tests, functions of the parties, as TAP: /blink/@suite/NAME
    each, the name from the function's (test_a_b → a-b); a subset by name
    in argv. @start_parties(workdir, started) starts what they share and
    returns the parties, and whatever else the tests take. After a failure
    the last words of the daemons, and of what else has a process, are
    shown and every party leaves its call, so that the next test starts
    clean; a test that raises Skip is skipped. With @reason, every test is
    skipped with it. The working folder is kept, and named, when
    BLINK_TEST_KEEP is set. Returns the exit status."""
    def name_of(test):
        return test.__name__[len('test_'):].replace('_', '-')

    wanted = sys.argv[1:]
    tests = [t for t in tests if not wanted or name_of(t) in wanted]
    print(f'1..{len(tests)}', flush=True)
    if reason:
        for i, test in enumerate(tests, 1):
            print(f'ok {i} /blink/{suite}/{name_of(test)} # SKIP {reason}', flush=True)
        return 0
    workdir = tempfile.mkdtemp(prefix=f'blink-test-{suite}-')
    started = []
    failed = 0
    try:
        parties = start_parties(workdir, started)
        for i, test in enumerate(tests, 1):
            try:
                detail = test(*parties)
                print(f'ok {i} /blink/{suite}/{name_of(test)}'
                      + (f' # {detail}' if detail else ''), flush=True)
            except Skip as e:
                print(f'ok {i} /blink/{suite}/{name_of(test)} # SKIP {e}', flush=True)
            except (Failure, subprocess.SubprocessError, json.JSONDecodeError) as e:
                failed += 1
                print(f'not ok {i} /blink/{suite}/{name_of(test)}', flush=True)
                tell(e)
                for p in parties:
                    process = getattr(p, 'daemon', None) or getattr(p, 'process', None)
                    if process:
                        tell('\n'.join(process.stderr[-10:]), getattr(p, 'name', process.name))
                    if process and process.crashed():
                        tell(process.stacks(), getattr(p, 'name', process.name))
                for p in parties:
                    if isinstance(p, Party):
                        p.gdbus(ROOT, 'im.blink.Manager1.Hangup', check=False)
    finally:
        for process in reversed(started):
            process.stop()
        if os.environ.get('BLINK_TEST_KEEP'):
            print(f'# kept in {workdir}', flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0
