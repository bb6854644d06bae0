#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""blink-dialer's notifications against a real notification server on
alice's bus: python3-dbusmock's notification_daemon template
(org.freedesktop.Notifications), next to two real blinkd on Kubo nodes
(tests/blink_dialer.py). The dialer is started as D-Bus activation starts
it (`--gapplication-service`: no window), with GIO's freedesktop
notification backend (GNOTIFICATION_BACKEND=freedesktop: without it a
portal or org.gtk.Notifications on the bus would be preferred). What the
dialer asks of the server is read from the mock's MethodCalled signals;
what a user does on a notification is the signal the server would send,
ActionInvoked, emitted through the mock's EmitSignal. Bob is driven with
D-Bus. TAP output; skipped when the dialer is not built, or there is no
Xvfb, no python3-dbusmock or no xdotool (which closes the main window
with Ctrl+W)."""

import ast
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blink_dialer import (Dialer, Keyboard, ended, gvariant_string,  # noqa: E402
                          participant, run, start_alice_and_bob)
from blink_party import offer  # noqa: E402
from blink_processes import Failure, Process  # noqa: E402

NAME = 'org.freedesktop.Notifications'
PATH = '/org/freedesktop/Notifications'

# What GVariant's text format adds to values Python's literals lack.
GVARIANT_TOKEN = re.compile(r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<annotation>@\S+|(?:byte|u?int16|u?int32|u?int64|handle|double|objectpath|signature)\b)
  | (?P<boolean>true|false)\b
  | (?P<variant>[<>])
  | (?P<other>[^\s'"<>]+?)(?=[\s,:\[\](){}<>]|$)
  | (?P<punctuation>[\[\](){},:])
)""", re.VERBOSE)


def gvariant_value(text):
    """A value as GLib prints it (gdbus), as Python: variants unwrapped,
    type annotations dropped."""
    python = []
    for m in GVARIANT_TOKEN.finditer(text):
        if m.group('annotation') or m.group('variant'):
            continue
        if m.group('boolean'):
            python.append('True' if m.group('boolean') == 'true' else 'False')
        else:
            python.append(m.group(0).strip())
    return ast.literal_eval(' '.join(python))


class Notification:
    """One Notify call: the id the server gave it and what it asked for."""

    def __init__(self, id, args):
        _, self.replaces, _, self.title, self.body, actions, self.hints, _ = args
        self.id = id
        # Action key (GIO: the detailed action name) → button label.
        self.actions = dict(zip(actions[::2], actions[1::2]))

    def action(self, label):
        """The key of the button labelled @label."""
        for key, shown in self.actions.items():
            if shown == label:
                return key
        raise Failure(f'no button {label!r} on {self}')

    def __str__(self):
        return (f'notification {self.id} {self.title!r} {self.body!r}, buttons {self.actions}, '
                f'hints {self.hints}')


class NotificationServer:
    """python3-dbusmock's notification_daemon on @party's bus, run by
    @python; its MethodCalled signals followed with gdbus monitor."""

    def __init__(self, party, python, started):
        self.env = party.env
        self.process = Process('notification server', [
            python, '-m', 'dbusmock', '--template', 'notification_daemon'], env=self.env)
        started.append(self.process)
        subprocess.run(['gdbus', 'wait', '--session', '--timeout', '15', NAME], env=self.env,
                       check=True, timeout=20)
        self.monitor = Process('gdbus monitor of the notification server',
                               ['gdbus', 'monitor', '--session', '--dest', NAME], env=self.env)
        started.append(self.monitor)
        self.monitor.expect(lambda line: 'is owned by' in line, 10, 'the server\'s owner')
        # The template numbers new notifications from 1; Notify with a
        # replaces_id keeps it.
        self.next_id = 1
        self.notified = []

    def expect(self, method, predicate, timeout, what):
        """The next call of @method (its Notification for Notify, else its
        arguments) that @predicate accepts."""
        def match(line):
            m = re.match(rf'{PATH}: org\.freedesktop\.DBus\.Mock\.MethodCalled (.*)$', line)
            if m is None:
                return None
            name, args = gvariant_value(m.group(1))
            if name == 'Notify':
                id = args[1]
                if id == 0:
                    id, self.next_id = self.next_id, self.next_id + 1
                args = Notification(id, args)
                self.notified.append(args)
            return (args,) if name == method and predicate(args) else None
        try:
            return self.monitor.expect(match, timeout, what)[0]
        except Failure as e:
            sent = ''.join(f'\n  {n}' for n in self.notified)
            raise Failure(f'{e}\nnotifications sent:{sent or " none"}') from None

    def notification(self, predicate, what, timeout=20):
        return self.expect('Notify', predicate, timeout, f'notification: {what}')

    def closed(self, notification, timeout=10):
        """Waits for the dialer to withdraw @notification."""
        self.expect('CloseNotification', lambda args: args[0] == notification.id, timeout,
                    f'CloseNotification of {notification}')

    def invoke(self, notification, label):
        """A click on the button @label, as the server tells it: the action,
        then the notification closed by the user (reason 2)."""
        key = notification.action(label)
        self.emit('ActionInvoked', 'us', f'<uint32 {notification.id}>, <{gvariant_string(key)}>')
        self.emit('NotificationClosed', 'uu', f'<uint32 {notification.id}>, <uint32 2>')

    def emit(self, signal, signature, args):
        result = subprocess.run(
            ['gdbus', 'call', '--session', '--dest', NAME, '--object-path', PATH, '--method',
             'org.freedesktop.DBus.Mock.EmitSignal', NAME, signal, signature, f'[{args}]'],
            env=self.env, text=True, capture_output=True, timeout=20)
        if result.returncode != 0:
            raise Failure(f'EmitSignal {signal}: {result.stderr.strip()}')

    def sync(self):
        """Returns once the server has answered every call made before:
        a call of ours, seen after them."""
        subprocess.run(['gdbus', 'call', '--session', '--dest', NAME, '--object-path', PATH,
                        '--method', f'{NAME}.GetServerInformation'], env=self.env, check=True,
                       capture_output=True, timeout=20)
        self.expect('GetServerInformation', lambda args: True, 10, 'our own call')

    def count(self, key):
        """How many Notify calls had a button @key."""
        return sum(1 for n in self.notified if key in n.actions)


def ring(server, alice, bob):
    """Bob calls alice: the call's path, and its notification, checked."""
    path = offer(bob, alice)
    n = server.notification(lambda n: f'app.answer({gvariant_string(path)})' in n.actions,
                            f'bob\'s call ringing ({path})')
    if n.hints.get('urgency') != 2 or n.hints.get('category') != 'call.incoming':
        raise Failure(f'not an urgent incoming call: {n}')
    if bob.did not in n.title + n.body:
        raise Failure(f'bob\'s address is not in {n}')
    if n.action('Decline') != f'app.decline({gvariant_string(path)})':
        raise Failure(f'Decline does not decline the call: {n}')
    return path, n


def run_blink(party, *words):
    result = party.blink(*words)
    if result.returncode != 0:
        raise Failure(f'{party.name}: blink {" ".join(words)}: {result.stderr.strip()}')


def nothing_after(server, alice, bob, n, what):
    """That the dialer notified nothing more of @n's call after @what: the
    ring of bob's next call comes next (blinkd's signals reach the dialer
    in order). That call is then cancelled, and missed."""
    path, n2 = ring(server, alice, bob)
    sent = server.notified
    for m in sent[sent.index(n) + 1:sent.index(n2)]:
        raise Failure(f'{what}, then {m}')
    bob.gdbus(path, 'im.blink.Call1.Cancel')
    ended(alice, bob, path)
    server.notification(lambda m: 'Call Back' in m.actions.values(), 'the missed call')


def rang_once(server, n):
    """After the call, that its notification was sent once: a notification
    sent again makes the server show it (and ring) again."""
    server.sync()
    key = n.action('Answer')
    if server.count(key) != 1:
        raise Failure(f'the ringing notification was sent {server.count(key)} times')


def test_answer(alice, bob, dialer, server, keys):
    shown = dialer.wait(lambda d: d['ready'], 15, 'the dialer following blinkd')
    if shown['main'] is not None or (shown['call'] and shown['call']['visible']):
        raise Failure(f'a window is shown: {shown}')
    path, n = ring(server, alice, bob)
    server.invoke(n, 'Answer')
    bob.wait_signal(rf"^{re.escape(path)}: .*\('{alice.did}', 'connected'")
    dialer.wait(lambda d: d['call']['page'] == 'call'
                and participant(d, bob.did)['state'] == 'connected'
                and d['ringing-notifications'] == 0, 30,
                'the call window with bob connected')
    bob.gdbus(path, 'im.blink.Call1.Hangup')
    ended(alice, bob, path)
    dialer.wait(lambda d: not d['call']['visible'], 10, 'call window hidden after bob left')
    rang_once(server, n)
    return n.title


def test_decline(alice, bob, dialer, server, keys):
    path, n = ring(server, alice, bob)
    server.invoke(n, 'Decline')
    ended(alice, bob, path)
    # The call is gone on bob's side before alice's state reaches him: his
    # history says how it ended.
    call_id = path.rsplit('/', 1)[1]
    bob.wait_signal(rf"CallRecorded (?=.*'id': <'{call_id}'>)(?=.*'outcome': <'declined'>)")
    rang_once(server, n)
    nothing_after(server, alice, bob, n, 'declined')


def test_declined_elsewhere(alice, bob, dialer, server, keys):
    path, n = ring(server, alice, bob)
    run_blink(alice, 'decline')
    server.closed(n)
    ended(alice, bob, path)
    rang_once(server, n)
    nothing_after(server, alice, bob, n, 'declined with blink decline')


def test_missed(alice, bob, dialer, server, keys):
    path, n = ring(server, alice, bob)
    bob.gdbus(path, 'im.blink.Call1.Cancel')
    server.closed(n)
    ended(alice, bob, path)
    missed = server.notification(lambda m: 'Call Back' in m.actions.values(),
                                 'the missed call')
    if bob.did not in missed.title + missed.body or missed.hints.get('urgency') == 2:
        raise Failure(f'the missed call\'s notification: {missed}')
    rang_once(server, n)
    server.invoke(missed, 'Call Back')
    ringing_path = bob.wait_signal(r"IncomingCall \(objectpath '([^']+)'").group(1)
    dialer.wait(lambda d: d['call']['visible'] and participant(d, bob.did) is not None, 15,
                'the call window calling bob back')
    bob.gdbus(ringing_path, 'im.blink.Call1.Decline')
    ended(alice, bob, ringing_path)
    return missed.title


def test_answered_elsewhere(alice, bob, dialer, server, keys):
    path, n = ring(server, alice, bob)
    run_blink(alice, 'answer')
    server.closed(n)
    bob.wait_signal(rf"^{re.escape(path)}: .*\('{alice.did}', 'connected'")
    bob.gdbus(path, 'im.blink.Call1.Hangup')
    ended(alice, bob, path)
    rang_once(server, n)


def test_window_shown(alice, bob, dialer, server, keys):
    dialer.action('show-page', "'recent'")
    keys.focus_window('Blink')
    sent = len(server.notified)
    path = offer(bob, alice)
    dialer.wait(lambda d: d['call']['visible'] and d['call']['page'] == 'ringing'
                and d['call']['call'] == path, 20, 'the call window ringing')
    run_blink(alice, 'decline')
    ended(alice, bob, path)
    server.sync()
    for n in server.notified[sent:]:
        raise Failure(f'with the main window shown: {n}')


def test_window_closed(alice, bob, dialer, server, keys):
    keys.focus_window('Blink')
    keys.press('ctrl+w')
    dialer.wait(lambda d: not (d['main'] and d['main']['visible']), 10,
                'the main window closed with Ctrl+W')
    path, n = ring(server, alice, bob)
    server.invoke(n, 'Decline')
    ended(alice, bob, path)


TESTS = [test_answer, test_decline, test_declined_elsewhere, test_missed,
         test_answered_elsewhere, test_window_shown, test_window_closed]


def dbusmock_python():
    """A Python that has python3-dbusmock: this one, else Debian's."""
    for python in dict.fromkeys((sys.executable, '/usr/bin/python3')):
        if os.path.exists(python) and subprocess.run(
                [python, '-c', 'import dbusmock'], capture_output=True).returncode == 0:
            return python
    return None


def start(workdir, started, display):
    alice, bob = start_alice_and_bob(workdir, started)
    server = NotificationServer(alice, dbusmock_python(), started)
    env = {'GNOTIFICATION_BACKEND': 'freedesktop'}
    dialer = Dialer(alice, display, os.path.join(workdir, 'dialer'), started,
                    args=['--gapplication-service'], env=env)
    return alice, bob, dialer, server, Keyboard(dialer)


if __name__ == '__main__':
    if not dbusmock_python():
        reason = 'no python3-dbusmock'
    elif shutil.which('xdotool') is None:
        reason = 'no xdotool (Debian package xdotool)'
    else:
        reason = None
    sys.exit(run('dialer-notifications', TESTS, start, reason))
