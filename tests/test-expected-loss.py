#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The encoder's expected loss follows the loss the peer reports by RTCP.

Two blinkd in a network namespace of their own (tests/blink_netns.py),
each with its own loopback address: clean, alice's encoder keeps its
least expected loss; with 20 % of what alice sends to bob dropped, it
rises to about what bob reports within seconds, and falls back once the
loss is gone. TAP output; skipped without root. Needs BLINKD, BLINK and
BLINK_DBUS_XML, as tests/blink_party.py."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blink_netns  # noqa: E402
from blink_party import Party, connect, run_tap, stats_of, wait_until  # noqa: E402
from blink_processes import Failure, start_ipfs_pair  # noqa: E402

# What the engine expects when nobody reports loss, and a bound on how
# long RTCP takes to tell (a receiver report every few seconds).
LEAST = 5
WITHIN = 20


def test_follows_rtcp(alice, bob):
    connect(alice, bob)
    # Clean: bob's reports say nothing lost (the packets sent before the
    # connection are not in a report's fraction).
    wait_until(lambda: 'remote-fraction-lost' in stats_of(alice, bob), WITHIN,
               'a receiver report from bob')
    clean = stats_of(alice, bob)
    if clean['expected-loss'] != LEAST:
        raise Failure(f'clean, alice expects {clean["expected-loss"]} % loss: {clean}')

    blink_netns.set_udp_loss(20, source=alice.ice_address, destination=bob.ice_address)
    try:
        lossy = time.monotonic()
        wait_until(lambda: stats_of(alice, bob)['expected-loss'] >= 12, WITHIN,
                   'alice expecting 12 % loss or more')
        rose_after = time.monotonic() - lossy
        raised = stats_of(alice, bob)
    finally:
        blink_netns.set_udp_loss(0)
    wait_until(lambda: stats_of(alice, bob)['expected-loss'] <= LEAST + 2, WITHIN * 2,
               'alice expecting little loss again')
    return (f'{raised["expected-loss"]} % after {rose_after:.1f} s at 20 % loss (bob reported '
            f'{raised.get("remote-fraction-lost", 0) * 100:.0f} %), back to '
            f'{stats_of(alice, bob)["expected-loss"]} %')


def start_parties(workdir, started):
    info_a, info_b = start_ipfs_pair(started)
    alice = Party('alice', workdir, info_a['api'], started, ice_address='127.0.0.2')
    bob = Party('bob', workdir, info_b['api'], started, tone=660, ice_address='127.0.0.3')
    return alice, bob


def main():
    reason = blink_netns.why_not()
    if reason is None:
        blink_netns.enter_private_network()
    return run_tap('expected-loss', [test_follows_rtcp], start_parties, reason)


if __name__ == '__main__':
    sys.exit(main())
