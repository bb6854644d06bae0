#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""blink-dialer used with the keyboard alone, next to two real blinkd on
Kubo nodes (tests/blink_dialer.py): synthetic key presses (xdotool, through
XTEST, so they reach the window with the keyboard focus as typed keys do)
switch pages, search Contacts, call Bob, answer, mute and hang up; no
action of the dialer is activated by the test. Bob is driven with D-Bus,
and what he sees tells what the keys did; the dialer's debug dump says
where the focus is before a key that needs it. Xvfb has no window
manager: where one would give a window the focus, to the call window when
it shows and back to the main window when it goes, the test does (xdotool
windowfocus), as a window manager would. TAP output;
skipped when the dialer is not built, or there is no Xvfb or no xdotool."""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blink_dialer import (Dialer, Keyboard, ended, focus,  # noqa: E402
                          participant, run, start_alice_and_bob)
from blink_party import ROOT, offer  # noqa: E402
from blink_processes import Failure  # noqa: E402


def call_window(dialer, keys, predicate, what):
    """The first dump in which the call window shows and @predicate holds,
    once the call window has the focus."""
    shown = dialer.wait(lambda d: d['call']['visible'] and predicate(d), 30, what)
    keys.focus_window(shown['call']['title'])
    return dialer.dump()


def test_contacts_page(alice, bob, dialer, keys):
    dialer.wait(lambda d: d['ready'] and d['main']['visible'], 15, 'the main window')
    keys.focus_window('Blink')
    keys.press('alt+c')
    dialer.wait(lambda d: d['main']['page'] == 'contacts', 10, 'Contacts, after Alt+C')
    keys.press('ctrl+f')
    dialer.wait(lambda d: focus(d) == ('Blink', 'search_entry'), 10,
                'the search entry focused, after Ctrl+F')
    keys.type('Bob')
    keys.press('Tab')
    shown = dialer.wait(lambda d: focus(d) == ('Blink', 'Bob'), 10,
                        'Bob\'s row focused, after typing "Bob" and Tab')
    return f'focus on {shown["focus"]["type"]} {shown["focus"]["name"]}'


def test_call_contact(alice, bob, dialer, keys):
    keys.press('Return')
    path = bob.wait_signal(rf"IncomingCall \(objectpath '([^']+)', '{alice.did}'").group(1)
    bob.gdbus(path, 'im.blink.Call1.Accept')
    call_window(dialer, keys, lambda d: participant(d, bob.did)['state'] == 'connected',
                'bob connected')
    keys.press('ctrl+m')
    bob.wait_signal(rf"^{re.escape(path)}: .*\('{alice.did}', 'connected', true")
    keys.press('ctrl+m')
    bob.wait_signal(rf"^{re.escape(path)}: .*\('{alice.did}', 'connected', false")
    keys.press('alt+h')
    ended(alice, bob, path)
    dialer.wait(lambda d: not d['call']['visible'], 10, 'the call window gone after Alt+H')


def test_answer(alice, bob, dialer, keys):
    path = offer(bob, alice)
    shown = call_window(dialer, keys, lambda d: d['call']['page'] == 'ringing', 'the ringing page')
    if focus(shown)[1] != 'answer_button':
        raise Failure(f'the ringing page has the focus on {shown["focus"]}, not on Answer')
    keys.press('Return')
    bob.wait_signal(rf"^{re.escape(path)}: .*\('{alice.did}', 'connected'")
    dialer.wait(lambda d: participant(d, bob.did)['state'] == 'connected', 30,
                'bob connected in the call window')
    keys.press('alt+h')
    ended(alice, bob, path)
    dialer.wait(lambda d: not d['call']['visible'], 10, 'the call window gone after Alt+H')


def test_call_address(alice, bob, dialer, keys):
    keys.focus_window('Blink')
    keys.press('ctrl+l')
    dialer.wait(lambda d: d['main']['page'] == 'recent'
                and focus(d) == ('Blink', 'Address or blink: link to call'), 10,
                'the address to call focused, after Ctrl+L')
    keys.type(bob.did)
    keys.press('Return')
    path = bob.wait_signal(rf"IncomingCall \(objectpath '([^']+)', '{alice.did}'").group(1)
    call_window(dialer, keys, lambda d: participant(d, bob.did), 'the call window calling bob')
    keys.press('alt+h')  # while it rings out: Cancel
    ended(alice, bob, path)
    dialer.wait(lambda d: not d['call']['visible'], 10, 'the call window gone after Alt+H')


def test_quit(alice, bob, dialer, keys):
    keys.focus_window('Blink')
    keys.press('ctrl+q')
    try:
        status = dialer.process.proc.wait(10)
    except subprocess.TimeoutExpired:
        raise Failure('the dialer still runs 10 s after Ctrl+Q') from None
    if status != 0:
        raise Failure(f'the dialer exited with {status}')


TESTS = [test_contacts_page, test_call_contact, test_answer, test_call_address, test_quit]


def start(workdir, started, display):
    alice, bob = start_alice_and_bob(workdir, started)
    alice.gdbus(ROOT, 'im.blink.Contacts1.Add', bob.did, 'Bob')
    dialer = Dialer(alice, display, os.path.join(workdir, 'dialer'), started)
    return alice, bob, dialer, Keyboard(dialer)


if __name__ == '__main__':
    sys.exit(run('dialer-keyboard', TESTS, start,
                 None if shutil.which('xdotool') else 'no xdotool (Debian package xdotool)'))
