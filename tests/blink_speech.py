# SPDX-License-Identifier: LGPL-2.1-or-later
"""Speech for the speech benchmark: espeak-ng sentences at 48 kHz, what a
recording holds of them (aligned by cross-correlation), and how
intelligible it is (STOI, Taal et al. 2011, "An algorithm for
intelligibility prediction of time-frequency weighted noisy speech",
IEEE TASLP 19(7)). Needs numpy and scipy."""

import subprocess
import tempfile
import wave

import numpy as np
from scipy.signal import correlate, resample_poly

RATE = 48000

# Harvard sentences (IEEE 1969), lists 1 and 2: the usual material of
# intelligibility tests.
SENTENCES = [
    'The birch canoe slid on the smooth planks.',
    'Glue the sheet to the dark blue background.',
    "It's easy to tell the depth of a well.",
    'These days a chicken leg is a rare dish.',
    'Rice is often served in round bowls.',
    'The juice of lemons makes fine punch.',
    'The box was thrown beside the parked truck.',
    'The hogs were fed chopped corn and garbage.',
    'Four hours of steady work faced us.',
    'A large size in stockings is hard to sell.',
    'The boy was there when the sun rose.',
    'A rod is used to catch pink salmon.',
]


def read_wav(path):
    """The first channel of a 16-bit WAV file as floats, and its rate."""
    with wave.open(path, 'rb') as w:
        rate, channels = w.getframerate(), w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype='<i2')
    return data[::channels].astype(np.float64) / 32768, rate


def write_wav(path, samples, rate=RATE):
    with wave.open(path, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 32767 / 32768) * 32768).astype('<i2').tobytes())


def speak(sentences=SENTENCES, pause=0.4):
    """@sentences spoken by espeak-ng, @pause s apart, at 48 kHz, peaking
    at -6 dBFS."""
    parts = []
    with tempfile.NamedTemporaryFile(suffix='.wav') as f:
        for sentence in sentences:
            subprocess.run(['espeak-ng', '-v', 'en-us', '-s', '150', '-w', f.name, sentence],
                           check=True)
            samples, rate = read_wav(f.name)
            # espeak-ng speaks at 22,050 Hz: 48000/22050 = 320/147.
            parts.append(resample_poly(samples, RATE // 150, rate // 150))
            parts.append(np.zeros(int(pause * RATE)))
    speech = np.concatenate(parts)
    return speech * (0.5 / np.max(np.abs(speech)))


def delay_of(sent, received, rate=RATE):
    """How many samples later than in @sent a stretch of @sent appears in
    @received (the peak of their cross-correlation)."""
    corr = correlate(received, sent, mode='full', method='fft')
    return int(np.argmax(corr)) - (len(sent) - 1)


def delays_along(sent, received, delay, start, end, window=0.4, step=0.1, search=1.0,
                 rate=RATE):
    """For each @window s of @received from @start s to @end s, in steps
    of @step: (time in @received, its delay behind @sent in s,
    correlation), the delay searched within @search s of @delay
    (samples). A stretch skipped or played twice changes the delay;
    silent windows are left out."""
    track = []
    n, reach = int(window * rate), int(search * rate)
    for first in range(int(start * rate), int(end * rate) - n, int(step * rate)):
        piece = received[first:first + n]
        if np.sqrt(np.mean(piece ** 2)) < 0.01:
            continue
        low = max(0, first - delay - reach)
        high = min(len(sent), first - delay + reach + n)
        if high - low < n:
            continue
        corr = correlate(sent[low:high], piece, mode='valid', method='fft')
        best = int(np.argmax(corr))
        norm = np.linalg.norm(piece) * np.linalg.norm(sent[low + best:low + best + n]) + 1e-12
        track.append((first / rate, (first - low - best) / rate, corr[best] / norm))
    return track


def steady_runs(track, tolerance=0.002, minimum=3):
    """The stretches of @track (of delays_along()) whose delay holds, each
    (first time, last time, delay in s): at least @minimum windows in a
    row within @tolerance s of the first. A lone window that matched a
    neighbouring pitch period or the edge of a word is no stretch."""
    runs, current = [], []
    for t, d, _ in track:
        if current and abs(d - current[0][1]) <= tolerance:
            current.append((t, d))
            continue
        if len(current) >= minimum:
            runs.append((current[0][0], current[-1][0], float(np.median([x[1] for x in current]))))
        current = [(t, d)]
    if len(current) >= minimum:
        runs.append((current[0][0], current[-1][0], float(np.median([x[1] for x in current]))))
    return runs


# ---- STOI ----

STOI_RATE = 10000
STOI_FRAME = 256  # 25.6 ms at 10 kHz, Hann window, half overlap
STOI_FFT = 512
STOI_BANDS = 15  # one-third octaves from 150 Hz
STOI_MIN_FREQUENCY = 150
STOI_SEGMENT = 30  # frames: 384 ms
STOI_BETA = -15  # lower bound of the signal-to-distortion ratio, dB
STOI_DYNAMIC_RANGE = 40  # frames more than 40 dB below the loudest are silence


def _third_octave_bands():
    frequencies = np.linspace(0, STOI_RATE, STOI_FFT + 1)[:STOI_FFT // 2 + 1]
    k = np.arange(STOI_BANDS)
    low = STOI_MIN_FREQUENCY * 2.0 ** ((2 * k - 1) / 6)
    high = STOI_MIN_FREQUENCY * 2.0 ** ((2 * k + 1) / 6)
    bands = np.zeros((STOI_BANDS, len(frequencies)))
    for i in range(STOI_BANDS):
        first = np.argmin((frequencies - low[i]) ** 2)
        last = np.argmin((frequencies - high[i]) ** 2)
        bands[i, first:last] = 1
    return bands


def _frames(x):
    window = np.hanning(STOI_FRAME + 2)[1:-1]
    hop = STOI_FRAME // 2
    return np.array([window * x[i:i + STOI_FRAME] for i in range(0, len(x) - STOI_FRAME, hop)])


def _overlap_add(frames):
    hop = STOI_FRAME // 2
    out = np.zeros((len(frames) - 1) * hop + STOI_FRAME)
    for i, frame in enumerate(frames):
        out[i * hop:i * hop + STOI_FRAME] += frame
    return out


def _without_silence(clean, degraded):
    """Both, without the frames where @clean is silent."""
    x, y = _frames(clean), _frames(degraded)
    energy = 20 * np.log10(np.linalg.norm(x, axis=1) + np.finfo(float).eps)
    keep = energy > np.max(energy) - STOI_DYNAMIC_RANGE
    return _overlap_add(x[keep]), _overlap_add(y[keep])


def stoi(clean, degraded, rate=RATE):
    """Short-time objective intelligibility of @degraded against @clean
    (aligned, same length, same rate): about 1 for what is as intelligible
    as the clean speech, towards 0 for what is not."""
    g = np.gcd(rate, STOI_RATE)
    x = resample_poly(clean, STOI_RATE // g, rate // g)
    y = resample_poly(degraded, STOI_RATE // g, rate // g)
    x, y = _without_silence(x, y)
    bands = _third_octave_bands()
    x_bands = np.sqrt(bands @ np.abs(np.fft.rfft(_frames(x), n=STOI_FFT)).T ** 2)
    y_bands = np.sqrt(bands @ np.abs(np.fft.rfft(_frames(y), n=STOI_FFT)).T ** 2)
    if x_bands.shape[1] < STOI_SEGMENT:
        raise ValueError('STOI needs at least 384 ms of speech')
    x_seg = np.array([x_bands[:, m - STOI_SEGMENT:m]
                      for m in range(STOI_SEGMENT, x_bands.shape[1] + 1)])
    y_seg = np.array([y_bands[:, m - STOI_SEGMENT:m]
                      for m in range(STOI_SEGMENT, y_bands.shape[1] + 1)])
    eps = np.finfo(float).eps
    # Scale each band's segment to the clean one's energy, clip to the SDR bound.
    y_norm = y_seg * (np.linalg.norm(x_seg, axis=2, keepdims=True)
                      / (np.linalg.norm(y_seg, axis=2, keepdims=True) + eps))
    y_clipped = np.minimum(y_norm, x_seg * (1 + 10 ** (-STOI_BETA / 20)))
    x_c = x_seg - np.mean(x_seg, axis=2, keepdims=True)
    y_c = y_clipped - np.mean(y_clipped, axis=2, keepdims=True)
    x_c /= np.linalg.norm(x_c, axis=2, keepdims=True) + eps
    y_c /= np.linalg.norm(y_c, axis=2, keepdims=True) + eps
    return float(np.sum(x_c * y_c) / (x_c.shape[0] * x_c.shape[1]))
