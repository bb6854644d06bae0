# SPDX-License-Identifier: LGPL-2.1-or-later
"""blink-dialer for the integration tests (tests/test-dialer*.py): alice's
dialer on her bus, on an Xvfb display of its own, driven through its
actions (`gapplication action im.blink.Dialer …`) and read through its
debug action `debug-dump` (BLINK_DIALER_DEBUG=1), next to two real blinkd
(tests/blink_party.py) on real Kubo nodes. Needs BLINK_DIALER in the
environment (meson sets it when the dialer is built)."""

import json
import os
import re
import shutil
import struct
import subprocess

from blink_party import Party, run_tap, wait_until
from blink_processes import SANITIZED, Failure, Process, start_ipfs_pair

DIALER = os.environ.get('BLINK_DIALER', '')
APP_ID = 'im.blink.Dialer'


class Dialer:
    """Alice's blink-dialer on her bus, on a display of its own, started
    with @args and @env added to hers. Screenshots go to @screenshots."""

    def __init__(self, party, display, workdir, started, args=(), env=None, screenshots=None):
        self.party = party
        self.workdir = workdir
        self.screenshots = screenshots or os.path.join(workdir, 'screenshots')
        os.makedirs(workdir, exist_ok=True)
        os.makedirs(self.screenshots, exist_ok=True)
        self.env = dict(party.env, DISPLAY=display, GDK_BACKEND='x11', BLINK_DIALER_DEBUG='1',
                        GSETTINGS_BACKEND='memory', NO_AT_BRIDGE='1',
                        G_DEBUG='fatal-criticals',
                        XDG_DATA_HOME=os.path.join(workdir, 'data'),
                        XDG_CACHE_HOME=os.path.join(workdir, 'cache'))
        schema_dir = os.environ.get('BLINK_DIALER_SCHEMA_DIR')
        if schema_dir:
            self.env['GSETTINGS_SCHEMA_DIR'] = schema_dir
        self.env.update(env or {})
        self.process = Process('blink-dialer of alice', [DIALER, *args], env=self.env)
        started.append(self)
        subprocess.run(['gdbus', 'wait', '--session', '--timeout', '15', APP_ID],
                       env=self.env, check=True, timeout=20)
        self.dumps = 0

    def action(self, name, parameter=None):
        argv = ['gapplication', 'action', APP_ID, name]
        if parameter is not None:
            argv.append(parameter)
        result = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=20)
        if result.returncode != 0:
            raise Failure(f'gapplication action {name}: {result.stderr.strip()}')

    def dump(self):
        self.dumps += 1
        path = os.path.join(self.workdir, f'dump-{self.dumps}.json')
        self.action('debug-dump', gvariant_string(path))
        wait_until(lambda: os.path.exists(path), 10, f'dump {path}')
        with open(path) as f:
            return json.load(f)

    def wait(self, predicate, timeout, what):
        """The first dump that @predicate accepts."""
        state = {}

        def check():
            state['last'] = self.dump()
            try:
                return predicate(state['last'])
            except (KeyError, TypeError, IndexError):
                return False
        try:
            wait_until(check, timeout, what)
        except Failure as e:
            raise Failure(f'{e}; it showed {json.dumps(state.get("last"))}'
                          + self.process.stderr_tail())
        return state['last']

    def screenshot(self, window, name):
        path = os.path.join(self.screenshots, f'{name}.png')
        if os.path.exists(path):
            os.unlink(path)
        # Asked again now and then: a window whose layout is due (its call's
        # clock ticks every second) has no picture to give until it is laid
        # out ("nothing drawn").
        for attempt in range(5):
            self.action('debug-screenshot', f"('{window}', {gvariant_string(path)})")
            try:
                wait_until(lambda: os.path.exists(path) and png_size(path) is not None, 2,
                           f'screenshot {path}')
                break
            except Failure:
                if attempt == 4:
                    raise
        width, height = png_size(path)
        if width < 300 or height < 300:
            raise Failure(f'{path}: {width}x{height}, too small for a window')
        return path

    def stop(self):
        if self.process.proc.poll() is None:
            try:
                self.action('quit')
                self.process.proc.wait(10)
            except (Failure, subprocess.SubprocessError):
                pass
        return self.process.stop()


def gvariant_string(text):
    return "'" + text.replace('\\', '\\\\').replace("'", "\\'") + "'"


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b'\x89PNG\r\n\x1a\n':
        return None
    return struct.unpack('>II', head[16:24])


def participant(dump, did):
    call = dump['call']
    if not call or not call['visible']:
        return None
    for p in call['participants']:
        if p['did'] == did:
            return p
    return None


def contact_row(dump, title):
    for row in dump['main']['contacts']:
        if row['title'] == title:
            return row
    return None


def ended(alice, bob, path):
    """Returns once the call at @path is gone on both sides."""
    for me in (alice, bob):
        me.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'")


class Keyboard:
    """Keys pressed on the dialer's display with xdotool, through XTEST:
    they reach the window with the focus, as typed keys do. Xvfb has no
    window manager: focus_window() gives a window the focus where one
    would."""

    def __init__(self, dialer):
        self.dialer = dialer

    def xdotool(self, *argv):
        result = subprocess.run(['xdotool', *argv], env=self.dialer.env, text=True,
                                capture_output=True, timeout=20)
        if result.returncode != 0:
            raise Failure(f'xdotool {" ".join(argv)}: {result.stderr.strip()}')
        return result.stdout

    def press(self, *keys):
        self.xdotool('key', '--delay', '20', *keys)

    def type(self, text):
        self.xdotool('type', '--delay', '20', text)

    def focus_window(self, title):
        """Gives the focus to the window titled @title, as a window manager
        does; returns once the dialer has it."""
        pattern = '^' + re.sub(r'([.^$*+?()\[\]{}|\\])', r'\\\1', title) + '$'
        self.xdotool('search', '--sync', '--onlyvisible', '--name', pattern, 'windowfocus',
                     '--sync')
        self.dialer.wait(lambda d: focus(d) and focus(d)[0] == title, 10, f'{title} focused')


def focus(dump):
    """(title of the active window, name of its focused widget or None), or
    None when no window of the dialer is active."""
    return dump['focus'] and (dump['focus']['window'], dump['focus']['name'])


def start_display(started):
    """Xvfb on a free display; returns its name."""
    xvfb = Process('Xvfb', ['Xvfb', '-displayfd', '1', '-screen', '0', '1280x1024x24',
                            '-nolisten', 'tcp', '-noreset'])
    started.append(xvfb)
    number = xvfb.expect(lambda line: line.strip() if line.strip().isdigit() else None, 15,
                         'display number')
    return f':{number}'


def start_alice_and_bob(workdir, started):
    """Alice's and bob's blinkd, each on a Kubo node of their own, peers."""
    info_a, info_b = start_ipfs_pair(started)
    alice = Party('alice', workdir, info_a['api'], started)
    bob = Party('bob', workdir, info_b['api'], started, tone=660)
    for me in (alice, bob):
        me.wait_ipfs('connected', 1)
    return alice, bob


def run(suite, tests, start, reason=None):
    """run_tap() for the dialer's tests: @start(workdir, started, display)
    starts the parties, the dialer and what else the tests take, on an Xvfb
    display of their own, and returns them: each test's arguments. All are
    skipped, with the reason, when the dialer cannot run here, or with
    @reason."""
    if not DIALER or not os.path.exists(DIALER):
        reason = 'blink-dialer is not built (meson option dialer, GTK 4 and libadwaita)'
    elif SANITIZED:
        reason = ('not run in the sanitized build yet: GTK, fontconfig and Mesa have no '
                  'suppressions in tests/lsan.supp')
    elif shutil.which('Xvfb') is None:
        reason = 'no Xvfb (Debian package xvfb)'
    elif shutil.which('gapplication') is None:
        reason = 'no gapplication (Debian package libglib2.0-bin)'
    return run_tap(suite, tests,
                   lambda workdir, started: start(workdir, started, start_display(started)),
                   reason)
