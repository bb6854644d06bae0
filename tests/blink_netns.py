# SPDX-License-Identifier: LGPL-2.1-or-later
"""A private network for tests and benchmarks that lose packets on purpose.

The kernel here has no netem: loss is made with nftables rules that drop
UDP at random (numgen random). Such rules must never touch the machine's
own network, so they go only into a network namespace that the program
itself created: enter_private_network() runs the program again in a new
namespace (unshare --net) whose only interface is its own loopback, and
everything the program then starts (IPFS nodes, buses, daemons) lives in
there. Kubo and D-Bus use TCP and unix sockets, so losing UDP loses media
and ICE checks only, as a lossy network would.

Rules are per direction: give each party its own loopback address
(127.0.0.2, 127.0.0.3 …: the whole of 127.0.0.0/8 is on lo) through
--ice-address, and drop what one sends to another."""

import os
import shutil
import subprocess
import sys

_MARK = 'BLINK_PRIVATE_NETWORK'
TABLE = 'blink_loss'


def inside():
    """True when this program runs in the namespace enter_private_network() made."""
    return os.environ.get(_MARK) == str(os.getpid())


def why_not():
    """None if a private network can be made here, else the reason."""
    if os.geteuid() != 0:
        return 'making a network namespace and nftables rules needs root'
    for tool in ('unshare', 'nft', 'ip'):
        if shutil.which(tool) is None:
            return f'{tool} is not installed'
    return None


def enter_private_network():
    """Runs this program again, with the same arguments, in a new network
    namespace with loopback up, and exits with its status. Returns (in
    the new namespace) once there. Raises OSError if it cannot be made;
    call why_not() first to skip cleanly."""
    if inside():
        return
    reason = why_not()
    if reason is not None:
        raise OSError(reason)
    # exec keeps the pid: the mark tells the new program it is inside.
    script = ('ip link set lo up && export {mark}=$$ && exec "$@"').format(mark=_MARK)
    os.execvp('unshare', ['unshare', '--net', '--', 'sh', '-c', script, 'sh',
                          sys.executable, *sys.argv])


def _nft(script):
    subprocess.run(['nft', '-f', '-'], input=script, text=True, check=True)


def set_udp_loss(percent, source=None, destination=None, rtp_only=False):
    """Drops @percent % of the UDP packets sent from @source to
    @destination (IPv4 addresses; None is any), at random, replacing the
    rules set before. 0 removes them. @rtp_only: only (S)RTP media, not
    RTCP, STUN or DTLS (RFC 7983, RFC 5761: version 2, and a payload type
    of 96 or more, RTCP's being 64 to 95 in those bits), so that
    connections are made and kept while no audio arrives."""
    if not inside():
        raise RuntimeError('loss rules go only into the private network')
    _nft(f'table inet {TABLE} {{}}\ndelete table inet {TABLE}\n')
    if percent <= 0:
        return
    match = 'meta l4proto udp'
    if source is not None:
        match += f' ip saddr {source}'
    if destination is not None:
        match += f' ip daddr {destination}'
    if rtp_only:
        match += ' @th,64,2 2 @th,73,7 >= 96'
    # numgen random mod 1000 gives 0 to 999: all of them needs no draw.
    if percent < 100:
        match += f' numgen random mod 1000 < {int(round(percent * 10))}'
    # On input, not output: a packet dropped on output fails the sender's
    # sendto() with EPERM, which no lossy network does.
    _nft(f'''table inet {TABLE} {{
  chain input {{
    type filter hook input priority 0; policy accept;
    {match} counter drop
  }}
}}
''')


def dropped():
    """How many packets the loss rules dropped so far."""
    out = subprocess.run(['nft', 'list', 'table', 'inet', TABLE], text=True,
                         capture_output=True).stdout
    for word in zip(out.split(), out.split()[1:]):
        if word[0] == 'packets':
            return int(word[1])
    return 0
