#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""blink-dialer against real blinkd (tests/blink_party.py) on real Kubo
nodes, under Xvfb. Alice's dialer runs on alice's session bus and is
driven only through its own actions (`gapplication action
im.blink.Dialer …`), as its buttons and notifications drive it; bob, and
carol whom alice adds to a call, are driven with D-Bus and `blink`. What
the dialer shows is read from its widgets by its debug action
`debug-dump` (BLINK_DIALER_DEBUG=1): the labels and rows on screen, as
JSON, the same state an accessibility reader would get without an AT-SPI
bus. Screenshots of each view go to
$BLINK_TEST_SCREENSHOTS (docs/screenshots to refresh them), else to a
temporary folder. TAP output; skipped when the dialer is not built or
there is no Xvfb."""

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blink_dialer import (DIALER, Dialer, contact_row, gvariant_string,  # noqa: E402
                          participant, run)
from blink_party import ROOT, Party, wait_until  # noqa: E402
from blink_processes import Failure, start_ipfs_node, start_ipfs_pair  # noqa: E402


def test_main_window(alice, bob, dialer):
    shown = dialer.wait(lambda d: d['main']['visible'] and d['main']['address'] == alice.did
                        and d['main']['qr-code'], 15, 'main window with alice\'s address')
    if shown['main']['recent-page'] != 'empty' or shown['main']['contacts-page'] not in (
            'unavailable', 'empty', 'list'):
        raise Failure(f'unexpected pages: {shown["main"]}')
    for page in ('recent', 'contacts', 'address'):
        dialer.action('show-page', gvariant_string(page))
        dialer.wait(lambda d: d['main']['page'] == page, 10, f'page {page}')
        time.sleep(0.5)  # the page's crossfade
        dialer.screenshot('main', page)
    dialer.action('show-page', gvariant_string('recent'))
    return f'contacts page: {shown["main"]["contacts-page"]}'


def test_call_out(alice, bob, dialer):
    dialer.action('call', gvariant_string(bob.did))
    ringing = bob.wait_signal(r"IncomingCall \(objectpath '([^']+)'")
    path = ringing.group(1)
    dialer.wait(lambda d: d['call']['visible'] and d['call']['page'] == 'call'
                and participant(d, bob.did) is not None, 15, 'call window calling bob')
    answer = bob.blink('answer')
    if answer.returncode != 0:
        raise Failure(f'bob: blink answer: {answer.stderr.strip()}')
    shown = dialer.wait(lambda d: participant(d, bob.did)['state'] == 'connected', 30,
                        'bob connected in the call window')
    if not re.match(r'\d\d:\d\d$', shown['call']['subtitle'] or ''):
        dialer.wait(lambda d: re.match(r'\d\d:\d\d$', d['call']['subtitle']), 5,
                    'the call\'s duration')
    code = dialer.wait(lambda d: re.match(r'\d{3} \d{3}$', d['call']['verification-code']), 10,
                       'verification code')['call']['verification-code']
    # bob's tone reaches alice: her daemon says he speaks, her window shows it.
    dialer.wait(lambda d: participant(d, bob.did)['speaking'], 15, 'bob speaking')
    dialer.action('hangup')
    for me in (alice, bob):
        me.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'")
    dialer.wait(lambda d: not d['call']['visible'], 10, 'call window hidden after the hang-up')
    return f'verification code {code}'


def test_call_in(alice, bob, dialer):
    out = bob.gdbus(ROOT, 'im.blink.Manager1.Offer', f"['{alice.did}']").stdout
    path = re.search(r"objectpath '([^']+)'", out).group(1)
    shown = dialer.wait(lambda d: d['call']['visible'] and d['call']['page'] == 'ringing'
                        and d['call']['call'] == path, 20, 'ringing page for bob\'s call')
    if shown['call']['caller'] != 'Unknown Caller':
        raise Failure(f'bob, no contact of alice\'s, rings as {shown["call"]["caller"]!r}')
    time.sleep(0.5)
    dialer.screenshot('call', 'ringing-unknown')
    dialer.action('answer', gvariant_string(path))
    dialer.wait(lambda d: d['call']['page'] == 'call'
                and participant(d, bob.did)['state'] == 'connected', 30,
                'bob connected after app.answer')
    bob.wait_signal(rf"^{re.escape(path)}: .*\('{alice.did}', 'connected'")
    bob.gdbus(path, 'im.blink.Call1.Hangup')
    for me in (alice, bob):
        me.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'")
    dialer.wait(lambda d: not d['call']['visible'], 10, 'call window hidden after bob left')


# The did:key of the W3C did:key examples: a valid Ed25519 key nobody here holds.
DANA = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'


def activate_row(dialer, row):
    """What a click on the row does: its button's action with its target."""
    if not row.get('action', '').startswith('app.'):
        raise Failure(f'the row has no app action: {row}')
    dialer.action(row['action'][len('app.'):], row['target'])


def test_add_contact(alice, bob, dialer):
    dialer.action('add-contact', f"({gvariant_string(bob.did)}, 'Bob')")
    dialer.action('show-page', gvariant_string('contacts'))
    shown = dialer.wait(lambda d: d['main']['page'] == 'contacts' and contact_row(d, 'Bob'), 10,
                        'Bob in Contacts')
    row = contact_row(shown, 'Bob')
    if row['target'] != gvariant_string(bob.did):
        raise Failure(f'Bob\'s row calls {row["target"]}')
    contacts = alice.get(ROOT, 'im.blink.Contacts1', 'Contacts')
    if f"('{bob.did}', 'Bob'" not in contacts:
        raise Failure(f'blinkd\'s contacts: {contacts}')


def test_call_contact(alice, bob, dialer):
    shown = dialer.dump()
    activate_row(dialer, contact_row(shown, 'Bob'))
    ringing = bob.wait_signal(r"IncomingCall \(objectpath '([^']+)'")
    path = ringing.group(1)
    if bob.blink('answer').returncode != 0:
        raise Failure('bob: blink answer failed')
    shown = dialer.wait(lambda d: participant(d, bob.did)['state'] == 'connected', 30,
                        'bob connected in the call window')
    if participant(shown, bob.did)['name'] != 'Bob':
        raise Failure(f'bob shown as {participant(shown, bob.did)}')
    dialer.wait(lambda d: participant(d, bob.did)['speaking']
                and re.match(r'\d{3} \d{3}$', d['call']['verification-code']), 15,
                'Bob speaking, and the verification code')
    time.sleep(1.2)  # let the ring around bob's avatar and the clock settle
    dialer.screenshot('call', 'call')
    dialer.action('hangup')
    for me in (alice, bob):
        me.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'")
    dialer.action('show-page', gvariant_string('recent'))
    shown = dialer.wait(lambda d: d['main']['recent'][0]['title'] == 'Bob'
                        and d['main']['recent'][0]['outcome'] == 'answered', 15,
                        'the call to Bob in Recent')
    row = shown['main']['recent'][0]
    if row['direction'] != 'outgoing' or not re.match(r'Outgoing · .+ · \d+:\d\d$',
                                                      row['subtitle']):
        raise Failure(f'Recent shows {row}')
    if row['action'] != 'app.call' or row['target'] != gvariant_string(bob.did):
        raise Failure(f'the history row calls {row.get("target")}')
    return row['subtitle']


def test_call_back_while_it_rings(alice, bob, dialer):
    """Bob calls while alice, in the dialer, calls him: one call, connected
    without anybody answering (docs/engine.md, "Crossed calls"), and no
    missed call in Recent."""
    dialer.action('show-page', gvariant_string('contacts'))
    badge = dialer.dump()['main']['missed-badge']
    out = bob.gdbus(ROOT, 'im.blink.Manager1.Offer', f"['{alice.did}']").stdout
    bobs = re.search(r"objectpath '([^']+)'", out).group(1)
    shown = dialer.wait(lambda d: d['call']['visible'] and d['call']['page'] == 'ringing'
                        and d['call']['call'] == bobs, 20, 'ringing page for bob\'s call')
    activate_row(dialer, contact_row(shown, 'Bob'))
    shown = dialer.wait(lambda d: d['call']['page'] == 'call' and participant(d, bob.did)
                        and participant(d, bob.did)['state'] == 'connected', 30,
                        'bob connected after calling him back')
    path = shown['call']['call']
    bob.wait_signal(rf"^{re.escape(path)}: .*\('{alice.did}', 'connected'")
    for me in (alice, bob):
        calls = [p for p in me.managed_objects() if '/Call/' in p]
        if calls != [path]:
            raise Failure(f'{me.name} has the calls {calls}, expected only {path}')
    time.sleep(1)
    dialer.screenshot('call', 'called-back')
    dialer.action('hangup')
    for me in (alice, bob):
        me.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'")
    dialer.action('show-page', gvariant_string('recent'))
    shown = dialer.wait(lambda d: d['main']['recent'][0]['outcome'] == 'answered'
                        and d['main']['recent'][0]['title'] == 'Bob', 15,
                        'the call with Bob in Recent')
    if shown['main']['missed-badge'] != badge or shown['main']['recent'][1]['outcome'] == 'missed':
        raise Failure(f'calling back left a missed call: badge {shown["main"]["missed-badge"]}, '
                      f'{shown["main"]["recent"][:2]}')
    return f'one call, {shown["main"]["recent"][0]["direction"]} here'


def test_ringing_contact(alice, bob, dialer):
    # On Contacts, so that nothing marks the missed call seen before the test looks.
    dialer.action('show-page', gvariant_string('contacts'))
    out = bob.gdbus(ROOT, 'im.blink.Manager1.Offer', f"['{alice.did}']").stdout
    path = re.search(r"objectpath '([^']+)'", out).group(1)
    shown = dialer.wait(lambda d: d['call']['visible'] and d['call']['page'] == 'ringing'
                        and d['call']['call'] == path, 20, 'ringing page for bob\'s call')
    if shown['call']['caller'] != 'Bob':
        raise Failure(f'a contact rings as {shown["call"]["caller"]!r}')
    time.sleep(0.5)
    dialer.screenshot('call', 'ringing')
    bob.gdbus(path, 'im.blink.Call1.Cancel')
    for me in (alice, bob):
        me.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'")
    dialer.wait(lambda d: not d['call']['visible'], 10, 'call window hidden after bob gave up')
    shown = dialer.wait(lambda d: d['main']['recent'][0]['outcome'] == 'missed'
                        and d['main']['missed-badge'] >= 1, 15, 'the missed call in Recent')
    row = shown['main']['recent'][0]
    if row['title'] != 'Bob' or not row['subtitle'].startswith('Missed · '):
        raise Failure(f'Recent shows {row}')
    dialer.action('show-page', gvariant_string('recent'))
    time.sleep(0.5)
    dialer.screenshot('main', 'recent')
    return f'missed badge {shown["main"]["missed-badge"]}'


def test_open_link(alice, bob, dialer):
    link = f'blink:{DANA}?name=Dana'
    dialer.action('open-link', gvariant_string(link))
    shown = dialer.wait(lambda d: d['dialogs'] and d['dialogs'][0]['address'] == link, 10,
                        'the dialog asking to add Dana')
    if shown['dialogs'][0]['name'] != 'Dana' or contact_row(shown, 'Dana') is not None:
        raise Failure(f'before any answer: {shown["dialogs"]}, {shown["main"]["contacts"]}')
    dialer.action('debug-respond', gvariant_string('cancel'))
    shown = dialer.wait(lambda d: not d['dialogs'], 10, 'the dialog gone')
    if 'Dana' in alice.get(ROOT, 'im.blink.Contacts1', 'Contacts'):
        raise Failure('Dana added without asking')
    # As the desktop opens a link: a second blink-dialer hands it to the running one.
    subprocess.run([DIALER, link], env=dialer.env, check=True, timeout=20)
    dialer.wait(lambda d: d['dialogs'] and d['dialogs'][0]['address'] == link, 10,
                'the dialog asking to add Dana, from the desktop')
    dialer.action('debug-respond', gvariant_string('add'))
    shown = dialer.wait(lambda d: not d['dialogs'] and contact_row(d, 'Dana'), 10,
                        'Dana in Contacts')
    if contact_row(shown, 'Dana')['target'] != gvariant_string(DANA):
        raise Failure(f'Dana\'s row: {contact_row(shown, "Dana")}')
    time.sleep(0.5)
    dialer.screenshot('main', 'contacts')


def test_group_call(alice, bob, dialer):
    dialer.action('selection-mode')  # toggles, as its button does
    dialer.wait(lambda d: d['main']['selecting'] and d['main']['page'] == 'contacts'
                and d['main']['call-selected'] == '_Call 0 People', 10, 'selection mode')
    dialer.action('pick-contact', gvariant_string(bob.did))
    dialer.action('pick-contact', gvariant_string(DANA))
    dialer.wait(lambda d: d['main']['call-selected'] == '_Call 2 People', 10, 'two picked')
    time.sleep(0.5)
    dialer.screenshot('main', 'group-pick')
    dialer.action('call-selected')
    ringing = bob.wait_signal(r"IncomingCall \(objectpath '([^']+)'")
    shown = dialer.wait(lambda d: d['call']['visible'] and participant(d, bob.did)
                        and participant(d, DANA), 15, 'a call to Bob and Dana')
    if shown['main']['selecting']:
        raise Failure('still selecting after the call')
    names = sorted(p['name'] for p in shown['call']['participants'])
    dialer.action('hangup')
    dialer.wait(lambda d: not d['call']['visible'], 15, 'call window hidden after the hang-up')
    bob.wait_signal(rf"InterfacesRemoved \(objectpath '{ringing.group(1)}'")
    return f'called {", ".join(names)}'


def test_preferences(alice, bob, dialer):
    dialer.action('preferences')
    shown = dialer.wait(lambda d: d['preferences'] is not None, 10, 'the preferences window')
    prefs = shown['preferences']
    if (prefs['microphone'] != 'Default' or prefs['who-may-ring'] != 'Everyone'
            or prefs['echo-cancellation'] != 'On' or prefs['noise-suppression'] != 'Off'
            or not prefs['ipfs-api'].startswith(
                alice.get(ROOT, 'im.blink.Manager1', 'IpfsApi') + ', connected')
            # Alice's blinkd has no STUN or TURN server (IceServers is empty),
            # so no call can be relayed, whatever --relay says.
            or not prefs['ice-servers'].startswith('None')
            or not prefs['relay'].startswith('None')):
        raise Failure(f'preferences show {prefs}')
    dialer.action('who-may-ring', gvariant_string('contacts'))
    wait_until(lambda: alice.get(ROOT, 'im.blink.Manager1', 'WhoMayRing') == 'contacts', 10,
               'blinkd\'s WhoMayRing contacts')
    dialer.wait(lambda d: d['preferences']['who-may-ring'] == 'Contacts, others noted', 10,
                'the row showing contacts')
    # Voice processing: the user's choice goes to GSettings and to blinkd,
    # whose AudioProcessing the rows then show.
    if prefs['processing-switches'] != [True, True, True]:
        raise Failure(f'the processing switches are {prefs["processing-switches"]}')
    dialer.action('audio-processing', "['echo-cancellation', 'noise-suppression']")
    wait_until(lambda: alice.get(ROOT, 'im.blink.Manager1', 'AudioProcessing')
               == "['echo-cancellation', 'noise-suppression']", 10,
               'blinkd\'s AudioProcessing with noise suppression')
    dialer.wait(lambda d: d['preferences']['noise-suppression'] == 'On'
                and d['preferences']['processing-switches'] == [True, True, False], 10,
                'the rows showing noise suppression on, gain control off')
    dialer.action('audio-processing', "['echo-cancellation']")
    wait_until(lambda: alice.get(ROOT, 'im.blink.Manager1', 'AudioProcessing')
               == "['echo-cancellation']", 10, 'blinkd\'s AudioProcessing as it was')
    dialer.action('audio-test')  # toggles, as the Test button does
    shown = dialer.wait(lambda d: d['preferences']['testing'] and d['preferences']['level'] > 0.5,
                        10, 'the microphone\'s level during the test')
    level = shown['preferences']['level']
    dialer.action('who-may-ring', gvariant_string('everyone'))
    wait_until(lambda: alice.get(ROOT, 'im.blink.Manager1', 'WhoMayRing') == 'everyone', 10,
               'blinkd\'s WhoMayRing everyone')
    dialer.wait(lambda d: d['preferences']['who-may-ring'] == 'Everyone', 10,
                'the row showing everyone')
    time.sleep(0.3)
    dialer.screenshot('preferences', 'preferences')
    dialer.action('audio-test')
    dialer.wait(lambda d: not d['preferences']['testing'], 10, 'the test stopped')
    return f'level {level:.2f} of the tone microphone'


def test_add_someone(alice, bob, dialer):
    """Alice calls bob, then adds carol with the call window's picker;
    adding bob again is refused, in the window, and changes nothing."""
    carol = CAROL
    dialer.action('add-contact', f"({gvariant_string(carol.did)}, 'Carol')")
    dialer.wait(lambda d: contact_row(d, 'Carol'), 10, 'Carol in Contacts')
    dialer.action('call', gvariant_string(bob.did))
    path_b = bob.wait_signal(r"IncomingCall \(objectpath '([^']+)'").group(1)
    shown = dialer.wait(lambda d: d['call']['visible'] and participant(d, bob.did), 15,
                        'the call window calling bob')
    if shown['call']['can-add']:
        raise Failure('Add Someone is offered before anybody answered')
    if bob.blink('answer').returncode != 0:
        raise Failure('bob: blink answer failed')
    shown = dialer.wait(lambda d: participant(d, bob.did)['state'] == 'connected'
                        and d['call']['can-add'], 30, 'bob connected, and Add Someone offered')
    path_a = shown['call']['call']

    dialer.action('add-someone')
    shown = dialer.wait(lambda d: d['dialogs'] and 'rows' in d['dialogs'][0], 10, 'the picker')
    picker = shown['dialogs'][0]
    if sorted(row['title'] for row in picker['rows']) != ['Carol', 'Dana'] \
            or picker['default-response'] is not None:
        raise Failure(f'the picker, bob in the call, nobody picked: {picker}')
    dialer.action('pick-contact', gvariant_string(carol.did))
    dialer.wait(lambda d: d['dialogs'][0]['default-response'] == 'add'
                and [r['title'] for r in d['dialogs'][0]['rows'] if r['picked']] == ['Carol'],
                10, 'Carol picked')
    time.sleep(0.5)
    dialer.screenshot('dialog', 'add-someone')
    dialer.action('debug-respond', gvariant_string('add'))
    path_c = carol.wait_signal(r"IncomingCall \(objectpath '([^']+)'").group(1)
    dialer.wait(lambda d: not d['dialogs'] and participant(d, carol.did), 10,
                'carol in the call window, the picker gone')
    carol.gdbus(path_c, 'im.blink.Call1.Accept')
    shown = dialer.wait(lambda d: participant(d, carol.did)['state'] == 'connected'
                        and participant(d, bob.did)['state'] == 'connected', 30,
                        'bob and carol connected in the call window')
    if participant(shown, carol.did)['name'] != 'Carol' or shown['call']['title'] != \
            'Call with 2 people':
        raise Failure(f'the call window shows {shown["call"]}')
    wait_until(lambda: f"('{carol.did}', 'connected'"
               in bob.get(path_b, 'im.blink.Call1', 'Participants'), 30,
               'carol connected in bob\'s Participants')

    # Bob is in the call: refused, said in the window, nothing changes.
    before = sorted((p['did'], p['state']) for p in shown['call']['participants'])
    dialer.action('invite', f'[{gvariant_string(bob.did)}]')
    shown = dialer.wait(lambda d: d['call']['toast'] == 'Bob is in the call already', 10,
                        'the error over the call window')
    time.sleep(0.3)
    dialer.screenshot('call', 'add-someone-refused')
    after = sorted((p['did'], p['state']) for p in dialer.dump()['call']['participants'])
    if after != before or bob.managed_objects() != [path_b]:
        raise Failure(f'a refused invitation changed the call: {before} → {after}, '
                      f'bob has {bob.managed_objects()}')
    refused = shown['call']['toast']
    dialer.action('invite', "['did:key:nobody']")
    dialer.wait(lambda d: d['call']['toast'] == '“did:key:nobody” is not a Blink address', 10,
                'the error about a wrong address')

    dialer.action('hangup')
    alice.wait_signal(rf"InterfacesRemoved \(objectpath '{path_a}'")
    dialer.wait(lambda d: not d['call']['visible'], 10, 'call window hidden after the hang-up')
    # Bob and carol are still in the call together.
    bob.gdbus(path_b, 'im.blink.Call1.Hangup')
    carol.gdbus(path_c, 'im.blink.Call1.Hangup', check=False)
    for me, path in ((bob, path_b), (carol, path_c)):
        me.wait_signal(rf"InterfacesRemoved \(objectpath '{path}'")
    return f'carol connected to alice and bob; adding bob again: "{refused}"'


TESTS = [test_main_window, test_call_out, test_call_in, test_add_contact, test_call_contact,
         test_call_back_while_it_rings, test_ringing_contact, test_open_link, test_group_call,
         test_preferences, test_add_someone]
# Carol's blinkd, for test_add_someone.
CAROL = None


def start(workdir, started, display):
    global CAROL
    info_a, info_b = start_ipfs_pair(started)
    # Pubsub goes only through nodes that listen on the topic: carol's
    # node is a peer of both, for bob's and carol's signals.
    node_c, info_c = start_ipfs_node('ipfs node of carol', [info_a['swarm'], info_b['swarm']])
    started.append(node_c)
    # Echo cancellation on alice's tone, as on a microphone, so that the
    # preferences' voice processing has something to show and change.
    alice = Party('alice', workdir, info_a['api'], started,
                  daemon_args=['--audio-processing', 'on', '--no-noise-suppression',
                               '--no-gain-control'])
    bob = Party('bob', workdir, info_b['api'], started, tone=660)
    CAROL = Party('carol', workdir, info_c['api'], started, tone=880)
    for me in (alice, bob, CAROL):
        me.wait_ipfs('connected', 1)
    return alice, bob, Dialer(alice, display, os.path.join(workdir, 'dialer'), started,
                              screenshots=os.environ.get('BLINK_TEST_SCREENSHOTS'))


if __name__ == '__main__':
    sys.exit(run('dialer', TESTS, start))
