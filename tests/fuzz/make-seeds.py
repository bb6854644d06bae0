#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the seed corpus of one fuzz target, in that target's input format.

    tests/fuzz/make-seeds.py TARGET CORPUS_DIR

The seeds are the protocol test vectors of the newest version in
tests/vectors (protocol-v<N>.json, highest N), plus hostile JSON that every
target meets: nesting far past any limit, duplicate members (also deep in a
real message), and the corners where parsers disagree.
"""

import base64
import json
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS_DIR = os.path.join(TOP, "tests", "vectors")
HOSTILE_BYTES = 65536
KUBO_FROM = "12D3KooWKhPxTRrjboGvhEtMpX64KP7kWQpRR2bbrawF8wZLhSUN"


def newest_vectors():
    versions = []
    for name in os.listdir(VECTORS_DIR):
        match = re.fullmatch(r"protocol-v(\d+)\.json", name)
        if match:
            versions.append((int(match.group(1)), name))
    if not versions:
        sys.exit(f"make-seeds: no protocol-v*.json in {VECTORS_DIR}")
    path = os.path.join(VECTORS_DIR, max(versions)[1])
    with open(path, "rb") as f:
        text = f.read()
    return text, json.loads(text)


def repeat(unit, prefix=b""):
    count = (HOSTILE_BYTES - len(prefix)) // len(unit)
    return prefix + unit * count


def with_member(text, member):
    """The JSON object @text with @member (b'"name":value') added at its end."""
    return text[:-1] + b"," + member + b"}"


def hostile_json(messages):
    """Texts every JSON-reading target gets, beside the real ones."""
    seeds = [
        repeat(b"["),
        repeat(b'{"a":'),
        repeat(b"[", b'{"a":'),
        repeat(b'{"a":['),
        b'{"a":1,"a":2}',
        b'{"a":{"b":1},"a":2}',
        b'{"a":[{"x":1,"y":2,"x":3}]}',
        b'{"\\u0061":1,"a":2}',
        b'{"a":"\\u0000"}',
        b'{"a":"\\ud800"}',
        b'{"a":"\\ud83d\\ude00"}',
        b'{"a":"\xed\xa0\x80"}',
        b'{"a":"\xc0\x80"}',
        b'{"a":-9223372036854775809}',
        b'{"a":9223372036854775807,"b":-0.5e-3,"c":1E+400}',
        b'{"a":1}{}',
        b"\xef\xbb\xbf{}",
        b'{"a":[1,]}',
        b"{/* comment */}",
        b"{'a':0x10}",
        b' {"t":true,"f":false,"n":null} ',
    ]
    for text in messages:
        if text.startswith(b'{"kind"'):
            # The same member twice, at the top and inside the body.
            seeds.append(with_member(text, b'"kind":"leave"'))
            seeds.append(text.replace(b'"body":{', b'"body":{"x":1,"x":2,', 1))
            seeds.append(text.replace(b'"rate":', b'"rate":8000,"rate":', 1))
            seeds.append(text.replace(b'"body":{', b'"body":{"x":{"y":[[[[]]]]},', 1))
    return seeds


def kubo_line(data, topic):
    def multibase(raw):
        return "u" + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return json.dumps(
        {"from": KUBO_FROM, "data": multibase(data), "seqno": multibase(b"\x01" * 8),
         "topicIDs": [multibase(topic.encode())]},
        separators=(",", ":")).encode()


def seeds_for(target, file_text, vectors):
    items = vectors["vectors"]
    messages = [v["message"].encode() for v in items]
    envelopes = [v["envelope"].encode() for v in items]
    hostile = hostile_json(messages)

    if target == "envelope":
        # A selector byte: 0-2 an envelope on an offer, call or peer topic,
        # 0x80 the inner message.
        seeds = []
        for v in items:
            topic = v["topic"]
            selector = 0 if "/offer/" in topic else (2 if "/peer/" in topic else 1)
            seeds.append(bytes([selector]) + v["envelope"].encode())
            seeds.append(bytes([selector]) + with_member(v["envelope"].encode(), b'"v":1'))
            seeds.append(b"\x80" + v["message"].encode())
        seeds += [bytes([selector]) + text for text in hostile for selector in (0, 1, 0x80)]
        return seeds

    if target == "message":
        return messages + hostile

    if target == "json-guard":
        # A byte for the depth limit (byte % 16 + 1): 1 for the envelope's 2,
        # 3 for the message's 4, 7 for the vector file's own 4.
        return ([b"\x01" + text for text in envelopes] + [b"\x03" + text for text in messages] +
                [b"\x07" + file_text] +
                [bytes([depth]) + text for text in hostile for depth in (1, 3, 15)])

    if target == "pubsub":
        # A byte for the chunk size (byte + 1), then the stream.
        lines = [kubo_line(v["envelope"].encode(), v["topic"]) for v in items]
        stream = b"\n".join(lines) + b"\n"
        error_line = b'{"Message":"node is shutting down","Code":0,"Type":"error"}'
        deep_line = lines[0][:-1] + b',"extra":' + repeat(b"[")[:1000] + b"}"
        return [
            b"\x0f" + stream,
            b"\x00" + b"\r\n\n".join(lines[:2]) + b"\r\n\n",
            b"\xff" + stream + error_line + b"\n",
            b"\x10" + with_member(lines[0], b'"data":"uaGk"') + b"\n",
            b"\x10" + deep_line + b"\n",
            b"\x3f" + b"x" * 5000 + b"\n" + lines[0] + b"\n",
        ] + [b"\x07" + text[:4000] + b"\n" for text in hostile]

    if target == "multibase":
        def encodings(raw):
            padded = base64.urlsafe_b64encode(raw)
            standard = base64.b64encode(raw)
            return [b"u" + padded.rstrip(b"="), b"U" + padded,
                    b"m" + standard.rstrip(b"="), b"M" + standard]

        seeds = [b"u", b"z", b"u_w", b"uAA", b"mAB=", b"U=="]
        for raw in envelopes + [repeat(b"["), hostile[4]]:
            seeds += encodings(raw)
        return seeds

    if target == "did":
        dids = [identity["did"].encode() for identity in vectors["identities"].values()]
        seeds = list(dids)
        for did in dids:
            seeds += [did[:-1], did + b"1", did[:-1] + b"0", did.replace(b"z6Mk", b"z6Ms", 1),
                      did.replace(b"did:key:z", b"did:key:f", 1)]
        # A did:key of another key type (secp256k1) and hostile bytes.
        seeds += [b"did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
                  b"did:key:z" + b"1" * 70, repeat(b"z")] + hostile[:6]
        return seeds

    sys.exit(f"make-seeds: no seeds for target {target}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    target, corpus = sys.argv[1], sys.argv[2]
    file_text, vectors = newest_vectors()
    os.makedirs(corpus, exist_ok=True)
    for i, seed in enumerate(seeds_for(target.removeprefix("fuzz-"), file_text, vectors)):
        with open(os.path.join(corpus, f"seed-{i:03d}"), "wb") as f:
            f.write(seed)


if __name__ == "__main__":
    main()
