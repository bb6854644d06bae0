# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a recording sounds like, for the demo and the daemon tests: the
16-bit WAV files that blinkd writes (`--audio-sink wav:FILE`), also while
it is still writing them."""

import math
import os
import struct
import wave

from blink_processes import Failure

# The level of digital silence, in dBFS: log10 of 0 has no value.
SILENCE_DB = -120.0


def dominant_frequency(samples, rate):
    """The strongest frequency from 100 to 2000 Hz, in 10 Hz steps."""
    best, best_power = 0, -1.0
    for f in range(100, 2001, 10):
        k = 2 * math.cos(2 * math.pi * f / rate)
        s1 = s2 = 0.0
        for x in samples:
            s1, s2 = x + k * s1 - s2, s1
        power = s1 * s1 + s2 * s2 - k * s1 * s2
        if power > best_power:
            best, best_power = f, power
    return best


def level_db(samples):
    """RMS level of @samples (floats from -1 to 1) in dBFS."""
    if not samples:
        return SILENCE_DB
    rms = math.sqrt(sum(v * v for v in samples) / len(samples))
    return max(SILENCE_DB, 20 * math.log10(rms)) if rms > 0 else SILENCE_DB


def block_levels_db(samples, rate, block=0.02):
    """The level of each @block seconds of @samples, in dBFS."""
    n = max(1, int(rate * block))
    return [level_db(samples[i:i + n]) for i in range(0, len(samples) - n + 1, n)]


class Wav:
    """A 16-bit PCM WAV file. While wavenc writes one, the size in its
    header is a placeholder (0x7fff0000) and the data ends where the file
    does: what is read is what has reached the disk so far."""

    def __init__(self, path):
        self.path = path
        self.layout = None  # (rate, channels, offset of the samples)

    def _read_layout(self):
        with open(self.path, 'rb') as f:
            head = f.read(4096)
        if len(head) < 12:
            return None
        if head[:4] != b'RIFF' or head[8:12] != b'WAVE':
            raise Failure(f'{self.path} is not a WAV file')
        pos, rate, channels = 12, None, None
        while pos + 8 <= len(head):
            chunk, size = head[pos:pos + 4], struct.unpack_from('<I', head, pos + 4)[0]
            if chunk == b'fmt ':
                _, channels, rate = struct.unpack_from('<HHI', head, pos + 8)
                if struct.unpack_from('<H', head, pos + 22)[0] != 16:
                    raise Failure(f'{self.path}: expected 16-bit samples')
            elif chunk == b'data':
                return (rate, channels, pos + 8) if rate else None
            pos += 8 + size + (size & 1)
        return None

    def _ensure_layout(self):
        # Read each time (4 KiB): a daemon started again writes the file
        # anew, maybe in another format, and may have written more than
        # the old one by the time we look.
        try:
            self.layout = self._read_layout()
        except FileNotFoundError:
            self.layout = None
        return self.layout

    def describe(self):
        """The format as used, and as the file's header says now."""
        used = self.layout
        try:
            header = self._read_layout()
        except (OSError, Failure) as e:
            header = str(e)
        return f'{self.path}: read as (rate, channels, offset) {used}, header now {header}'

    def seconds(self):
        """How much has been written, in seconds; 0 before the header."""
        try:
            size = os.path.getsize(self.path)
        except FileNotFoundError:
            return 0.0
        if self._ensure_layout() is None:
            return 0.0
        rate, channels, offset = self.layout
        return max(0, size - offset) // (2 * channels) / rate

    def samples(self, start, length):
        """The first channel from @start for @length seconds, as floats,
        decimated to about 8 kHz (enough for dominant_frequency, and fast)."""
        if self._ensure_layout() is None:
            return [], 8000
        rate, channels, offset = self.layout
        first, count = int(start * rate), int(length * rate)
        with open(self.path, 'rb') as f:
            f.seek(offset + first * 2 * channels)
            data = f.read(count * 2 * channels)
        data = data[:len(data) // (2 * channels) * 2 * channels]
        step = max(1, rate // 8000)
        values = memoryview(data).cast('h')[::channels * step]
        return [v / 32768 for v in values], rate / step


# ---- Ticks: short bursts at a steady interval, to see what was skipped ----

# A tick heard is a sample above ONSET_LEVEL after at least 50 ms below it;
# markers peak above MARKER_LEVEL, the others around 0.25.
ONSET_LEVEL = 0.08
MARKER_LEVEL = 0.5


def read_samples(path):
    """The first channel of a 16-bit WAV file, as ints, and its rate."""
    with wave.open(path, 'rb') as w:
        rate, channels = w.getframerate(), w.getnchannels()
        data = w.readframes(w.getnframes())
    return memoryview(data).cast('h')[::channels], rate


def ticks_heard(path, frequencies=None):
    """(time in s, is a marker, index in @frequencies) of each tick in the
    recording at @path; the index is that of the strongest of
    @frequencies over the tick's first 8 ms (None without them)."""
    samples, rate = read_samples(path)
    onset, quiet = ONSET_LEVEL * 32768, int(0.05 * rate)
    ticks, last_loud = [], -quiet
    for i, v in enumerate(samples):
        if abs(v) >= onset:
            if i - last_loud >= quiet:
                burst = samples[i:i + int(0.012 * rate)]
                peak = max(abs(x) for x in burst)
                which = None
                if frequencies:
                    start = i + int(0.001 * rate)
                    piece = [x / 32768 for x in samples[start:start + int(0.008 * rate)]]
                    powers = [tone_power(piece, f, rate) for f in frequencies]
                    which = powers.index(max(powers))
                ticks.append((i / rate, peak >= MARKER_LEVEL * 32768, which))
            last_loud = i
    return ticks


def tone_power(samples, frequency, rate):
    """Power of @frequency in @samples (Goertzel)."""
    k = 2 * math.cos(2 * math.pi * frequency / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2


def judge_ticks(ticks, who, interval_ms, marker_period, tolerance_ms=2, heard_s=None):
    """What is wrong with @ticks (of ticks_heard()) from the second on, for
    @heard_s s (None: all): a list of faults (empty: nothing skipped or
    inserted) and a summary. The first packet heard may begin inside a
    tick (and the decoder's first frame fades in): that tick's onset is not
    where it was sent, so it is not judged."""
    if not ticks:
        return [f'{who}: heard no tick at all'], ''
    first = ticks[0][0]
    ticks = [t for t in ticks[1:] if heard_s is None or t[0] <= first + heard_s]
    faults = []
    intervals = [(b[0] - a[0]) * 1000 for a, b in zip(ticks, ticks[1:])]
    for t, ms in zip(ticks, intervals):
        if abs(ms - interval_ms) > tolerance_ms:
            faults.append(f'{who}: {ms:.1f} ms between the ticks at {t[0]:.3f} s and after')
    markers = [i for i, t in enumerate(ticks) if t[1]]
    for a, b in zip(markers, markers[1:]):
        if b - a != marker_period:
            faults.append(f'{who}: {b - a} ticks between the markers at '
                          f'{ticks[a][0]:.3f} s and {ticks[b][0]:.3f} s')
    if heard_s is not None and len(ticks) < heard_s * 1000 // interval_ms - 1:
        faults.append(f'{who}: {len(ticks)} ticks in the {heard_s} s after the first')
    spread = max(intervals) - min(intervals) if intervals else 0
    summary = (f'{who} first tick at {first:.2f} s, {len(ticks)} ticks, intervals '
               f'{min(intervals, default=0):.1f}–{max(intervals, default=0):.1f} ms '
               f'(spread {spread:.1f})')
    return faults, summary
