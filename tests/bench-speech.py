#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Speech through a call, clean and under random UDP loss.

Two blinkd (alice and bob, each with its own IPFS node and bus, in a
network namespace of their own: tests/blink_netns.py). Alice plays
espeak-ng speech into the call (--audio-source file:), bob records what
he hears (--audio-sink wav:). Loss is made on what goes from alice's
address to bob's, from before the offer to the hang-up. Per condition:

- STOI of what bob heard against what alice sent (aligned by
  cross-correlation), over the scored sentences;
- the start: how much of what alice said in the first two seconds after
  connecting never reached bob's ear (the delay of the first stretch
  heard against the delay of what is heard 2 s later), and how far the
  delay moved during the call (skips and insertions);
- the encoder's expected loss (alice's `blink stats`) at the end.

Needs root (namespaces, nftables), espeak-ng, numpy and scipy;
BLINKD, BLINK and BLINK_DBUS_XML as for tests/blink_party.py
(`build-aux/blink-dev bench-speech` sets them). Prints a table; lines
starting with "bench: " are the figures."""

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blink_netns  # noqa: E402
from blink_party import Party, connect, hang_up, wait_until  # noqa: E402
from blink_processes import start_ipfs_pair  # noqa: E402

ALICE_ADDRESS = '127.0.0.2'
BOB_ADDRESS = '127.0.0.3'
# Speech before the scored sentences, playing while the call connects: the
# file starts with alice's offer.
PREAMBLE = slice(9, 12)
SCORED = slice(0, 9)


def expected_loss(party):
    """The expected loss alice's encoder uses now (percent), if reported."""
    for line in party.blink('stats', '--json').stdout.splitlines():
        value = json.loads(line).get('expected-loss')
        if value is not None:
            return value
    return None


def decoded(log, since):
    """From byte @since of a GStreamer log at opusdec:6: frames decoded,
    losses that reached a decoder, and lost frames it decoded from the
    in-band FEC of the packet after. (With no FEC in that packet, libopus
    conceals the frame instead: the log cannot tell the two apart.)"""
    with open(log, 'rb') as f:
        f.seek(since)
        text = f.read().decode(errors='replace')
    return (len(re.findall(r'decoded \d+ samples', text)), text.count('missing buffer, doing PLC'),
            text.count('FEC enabled, reconstructing last buffer'))


def one_call(alice, bob, sender, receiver, loss, seconds, keep):
    """A call from alice to bob with @loss % from @sender to @receiver,
    recorded by @receiver until @seconds after connecting; the recording is
    copied to @keep. Returns (connect time, the sender's expected loss at
    the end, packets dropped)."""
    blink_netns.set_udp_loss(loss, source=sender.ice_address, destination=receiver.ice_address)
    offered = time.monotonic()
    path = connect(alice, bob)
    connected = time.monotonic() - offered
    start = receiver.heard.seconds()
    wait_until(lambda: receiver.heard.seconds() >= start + seconds, seconds + 30,
                      f'{receiver.name}: {seconds} s of recording')
    loss_setting = expected_loss(sender)
    dropped = blink_netns.dropped()
    blink_netns.set_udp_loss(0)
    hang_up(alice, bob, path)
    shutil.copy(receiver.heard.path, keep)
    return connected, loss_setting, dropped


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--loss', type=float, nargs='*', default=[0, 5, 10, 20],
                        help='percent of UDP lost from alice to bob, one call each')
    parser.add_argument('--sender', choices=('caller', 'callee'), default='caller',
                        help='who plays the speech: alice, who calls, or bob')
    parser.add_argument('--keep', help='folder to keep the recordings in')
    args = parser.parse_args()
    reason = blink_netns.why_not()
    if reason is not None:
        print(f'bench-speech: skipped: {reason}')
        return 77
    blink_netns.enter_private_network()

    import numpy as np
    import blink_speech as speech

    workdir = tempfile.mkdtemp(prefix='blink-bench-speech-')
    keep = os.path.abspath(args.keep) if args.keep else workdir
    os.makedirs(keep, exist_ok=True)
    preamble = speech.speak(speech.SENTENCES[PREAMBLE])
    scored = speech.speak(speech.SENTENCES[SCORED])
    sent = np.concatenate([preamble, scored, np.zeros(speech.RATE)])
    sent_path = os.path.join(keep, 'sent.wav')
    speech.write_wav(sent_path, sent)
    print(f'# {len(preamble) / speech.RATE:.1f} s of speech while connecting, '
          f'{len(scored) / speech.RATE:.1f} s scored', flush=True)

    started = []
    results = []
    try:
        info_a, info_b = start_ipfs_pair(started)
        alice = Party('alice', workdir, info_a['api'], started, ice_address=ALICE_ADDRESS)
        bob = Party('bob', workdir, info_b['api'], started, ice_address=BOB_ADDRESS)
        sender, receiver = (alice, bob) if args.sender == 'caller' else (bob, alice)
        sender.daemon.stop()
        sender.start_daemon(source=f'file:{sent_path}')
        # What the receiver's decoders do with each loss, they log (decoded()).
        receiver.daemon.stop()
        receiver.env.update(GST_DEBUG='opusdec:6', GST_DEBUG_NO_COLOR='1',
                            GST_DEBUG_FILE=os.path.join(keep, 'receiver-gst.log'))
        receiver.start_daemon()
        for loss in args.loss:
            recording = os.path.join(keep, f'heard-{loss:g}.wav')
            logged = os.path.getsize(receiver.env['GST_DEBUG_FILE'])
            connected, loss_setting, dropped = one_call(alice, bob, sender, receiver, loss,
                                                        len(sent) / speech.RATE + 1, recording)
            frames, concealed, from_fec = decoded(receiver.env['GST_DEBUG_FILE'], logged)
            heard, _ = speech.read_wav(recording)
            delay = speech.delay_of(scored, heard) - len(preamble)
            aligned = np.zeros(len(scored))
            part = heard[max(0, delay + len(preamble)):delay + len(sent) - speech.RATE]
            aligned[:len(part)] = part
            score = speech.stoi(scored, aligned)
            # The delay of each window behind the file (not behind the
            # scored part: the search is around it).
            track = speech.delays_along(sent, heard, delay, 0, len(heard) / speech.RATE)
            runs = speech.steady_runs([w for w in track if w[2] > 0.5])
            # What was skipped in the first 2 s: heard at first later than
            # what follows, by what was skipped.
            first = runs[0][0]
            after = [d for a, b, d in runs if a <= first + 2 <= b or a > first + 2][0]
            lost = runs[0][2] - after
            spread = max(d for a, b, d in runs) - min(d for a, b, d in runs)
            results.append((loss, score, lost, spread, connected, loss_setting, dropped,
                            concealed, from_fec))
            print(f'bench: speech loss={loss:g}% stoi={score:.3f} '
                  f'lost-at-start={lost * 1000:.0f}ms delay-spread={spread * 1000:.0f}ms '
                  f'connected-after={connected:.1f}s expected-loss={loss_setting} '
                  f'dropped={dropped} decoded={frames} lost-at-decoder={concealed} '
                  f'fec-decoded={from_fec}', flush=True)
    finally:
        for process in reversed(started):
            process.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print('| UDP loss alice → bob | STOI | lost in the first 2 s | delay spread | '
          'encoder\'s expected loss at the end | packets dropped | losses at the decoder | '
          'decoded from FEC |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')
    for loss, score, lost, spread, _, loss_setting, dropped, concealed, from_fec in results:
        print(f'| {loss:g} % | {score:.3f} | {lost * 1000:.0f} ms | {spread * 1000:.0f} ms | '
              f'{loss_setting if loss_setting is not None else "10 (fixed)"} % | {dropped} | '
              f'{concealed} | {from_fec} |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
