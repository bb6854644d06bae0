#!/usr/bin/env python3
"""Derives the call id and every topic name of tests/vectors/protocol-v2.json
again with Python's hashlib, independently of the C implementation, as
docs/protocol.md ("Calls and topics") describes them. TAP output."""
import hashlib
import json
import os
import sys

ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'


def public_key(did):
    n = 0
    for c in did[len('did:key:z'):]:
        n = n * 58 + ALPHABET.index(c)
    raw = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    assert raw[:2] == b'\xed\x01' and len(raw) == 34, did
    return raw[2:]


def name(context, data, key=b''):
    return hashlib.blake2b(context + b'\0' + data, key=key, digest_size=16).hexdigest()


def main():
    src = os.environ.get('G_TEST_SRCDIR', os.path.dirname(__file__))
    with open(os.path.join(src, 'vectors', 'protocol-v2.json')) as f:
        v = json.load(f)
    keys = {who: public_key(identity['did']) for who, identity in v['identities'].items()}
    call_key = bytes.fromhex(v['call_key'])
    call_id = name(b'blink/2/call-id', keys['alice'], call_key)
    checks = [('call id of Alice under the call key', call_id, v['call_id'])]
    # An invitation names Alice, whose key the call id is derived from.
    for vector in v['vectors']:
        if vector['name'] == 'offer (invitation)':
            body = json.loads(vector['message'])['body']
            checks.append(('the invitation names the caller of the call id',
                           name(b'blink/2/call-id', public_key(body['caller']), call_key),
                           body['call']))
    for vector in v['vectors']:
        recipient = vector['recipient']
        if vector['name'].split()[0] in ('offer', 'cancel'):
            want = 'blink/2/offer/' + name(b'blink/2/offer-topic', keys[recipient])
        elif recipient:
            want = 'blink/2/peer/' + name(b'blink/2/peer-topic',
                                          bytes.fromhex(call_id) + keys[recipient], call_key)
        else:
            want = 'blink/2/call/' + name(b'blink/2/call-topic', bytes.fromhex(call_id), call_key)
        checks.append((f"topic of {vector['name']}", want, vector['topic']))
    print(f'1..{len(checks)}')
    failed = 0
    for i, (what, want, got) in enumerate(checks, 1):
        ok = want == got
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} {i} {what}" + ('' if ok else f' # {got} != {want}'))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
