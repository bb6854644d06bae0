#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Microphones and speakers of a real PulseAudio server, with blinkd.

The test starts its own PulseAudio server (a unix socket in a temporary
folder, no network module) with null sinks as speakers and virtual
sources as microphones; "Mic 700" hears a 700 Hz tone that a gst-launch
process plays into the null sink it listens to. Loading and unloading
modules (pactl) is plugging and unplugging devices. Two blinkd (alice and
bob, real IPFS nodes, real buses) call each other: alice switches her
microphone and speaker mid-call, and bob judges by ear (his recording)
what alice sends. TAP output; skipped when pulseaudio cannot start.
Needs BLINKD and BLINK in the environment (meson sets them)."""

import array
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blink_audio import dominant_frequency, level_db  # noqa: E402
from blink_party import (BLINK, ROOT, Party, connect, expect_error, expect_tone,  # noqa: E402
                         packets_received, wait_for_tone, wait_until)
from blink_processes import Failure, Process, start_ipfs_pair, tell  # noqa: E402

MIC_TONE = 700
SPEAKER_A = 'speaker_a'

CONFIG = '''
load-module module-native-protocol-unix socket={socket} auth-anonymous=1
load-module module-null-sink sink_name=feed700 sink_properties=device.description=Feed
load-module module-null-sink sink_name=quiet sink_properties=device.description=Quiet
load-module module-null-sink sink_name={speaker_a} sink_properties='device.description="Speaker A"'
load-module module-virtual-source source_name=mic700 master=feed700.monitor \
source_properties='device.description="Mic 700"'
load-module module-virtual-source source_name=mic_silent master=quiet.monitor \
source_properties='device.description="Silent Mic"'
'''


class PulseServer:
    """A PulseAudio server of the test's own, and pactl against it."""

    def __init__(self, workdir, started):
        home = os.path.join(workdir, 'pulse')
        runtime = os.path.join(home, 'runtime')
        os.makedirs(runtime, mode=0o700)
        self.socket = os.path.join(home, 'native')
        self.env = dict(os.environ, HOME=home, XDG_RUNTIME_DIR=runtime, PULSE_RUNTIME_PATH=runtime,
                        PULSE_SERVER=f'unix:{self.socket}')
        config = os.path.join(home, 'config.pa')
        with open(config, 'w') as f:
            f.write(CONFIG.format(socket=self.socket, speaker_a=SPEAKER_A))
        self.server = Process('pulseaudio', [
            'pulseaudio', '-n', '--daemonize=no', '--exit-idle-time=-1', '--use-pid-file=false',
            '--disable-shm=true', '-F', config, '--log-target=stderr'], env=self.env)
        started.append(self.server)
        deadline = time.monotonic() + 15
        while self.pactl('info', check=False).returncode != 0:
            if self.server.proc.poll() is not None or time.monotonic() > deadline:
                raise OSError('pulseaudio did not start' + self.server.stderr_tail())
            time.sleep(0.1)
        # The microphone's tone: played into the null sink that "Mic 700"
        # hears, by the system's GStreamer alone: not with the build's
        # plugins and registry (sanitized ones, under ASan), nor its
        # debugging settings.
        feed_env = {k: v for k, v in self.env.items()
                    if not k.startswith(('GST_', 'G_DEBUG', 'MALLOC_', 'ASAN_', 'LSAN_'))}
        feed_env['GST_REGISTRY_1_0'] = os.path.join(home, 'feed-registry.bin')
        feed = Process('tone into feed700', [
            'gst-launch-1.0', '-q', 'audiotestsrc', 'is-live=true', f'freq={MIC_TONE}',
            'volume=0.3', '!', 'pulsesink', 'device=feed700'], env=feed_env)
        started.append(feed)
        self.feed = feed

    def wait_for_feed(self):
        """Until the tone "Mic 700" hears plays: every case with it needs it."""
        deadline = time.monotonic() + 20
        while True:
            samples, rate = self.record('feed700.monitor', 0.5)
            if abs(dominant_frequency(samples[::2], rate // 2) - MIC_TONE) <= 10:
                return
            if self.feed.proc.poll() is not None or time.monotonic() > deadline:
                raise Failure('the 700 Hz feed does not play' + self.feed.stderr_tail())

    def pactl(self, *words, check=True):
        result = subprocess.run(['pactl', *words], env=self.env, text=True, capture_output=True,
                                timeout=20)
        if check and result.returncode != 0:
            raise Failure(f'pactl {" ".join(words)}: {result.stderr.strip()}')
        return result

    def module_of(self, argument):
        """The index of the loaded module whose arguments have @argument."""
        for line in self.pactl('list', 'short', 'modules').stdout.splitlines():
            index, _, rest = line.partition('\t')
            if argument in rest:
                return index
        raise Failure(f'no module with {argument}')

    def record(self, source, seconds, rate=16000):
        """@seconds of @source as floats, after its first half second."""
        parec = subprocess.Popen(['parec', '-d', source, '--raw', '--format=s16le',
                                  f'--rate={rate}', '--channels=1', '--latency-msec=20'],
                                 env=self.env, stdout=subprocess.PIPE)
        try:
            data = parec.stdout.read(int(2 * rate * (seconds + 0.5)))
        finally:
            parec.kill()
            parec.wait()
        samples = array.array('h', data[:len(data) // 2 * 2])
        return [v / 32768 for v in samples[rate // 2:]], rate


def device_event(watch, event, kind, device_id):
    """The next `blink watch --json` event @event of the device @device_id."""
    return watch.expect(lambda line: (lambda e: e if e['event'] == event and e['kind'] == kind
                                      and e['id'] == device_id else None)(json.loads(line)),
                        20, f'{event} event of {device_id}')


def devices(party):
    return [json.loads(line) for line in party.blink('devices', '--json').stdout.splitlines()]


def manager(party, prop):
    return party.get(ROOT, 'im.blink.Manager1', prop)


# ---- the tests, in order: they share the daemons and the server ----

def test_list_shows_the_devices(alice, bob, pulse):
    # For the events of the next tests: it has time to subscribe meanwhile.
    alice.watch = Process('blink watch of alice', [BLINK, 'watch', '--json'], env=alice.env)
    alice.started.append(alice.watch)
    listed = {(d['kind'], d['id'], d['name']) for d in devices(alice)}
    for device in (('microphone', 'mic700', 'Mic 700'), ('microphone', 'mic_silent', 'Silent Mic'),
                   ('speaker', SPEAKER_A, 'Speaker A')):
        if device not in listed:
            raise Failure(f'{device} is not listed: {sorted(listed)}')
    text = alice.blink('devices').stdout
    if 'Mic 700 — mic700' not in text:
        raise Failure(f'blink devices: {text!r}')
    return f'{len(listed)} devices'


def test_hot_plug(alice, bob, pulse):
    watch = alice.watch
    module = pulse.pactl('load-module', 'module-null-sink', 'sink_name=plugged',
                         'sink_properties=device.description=Plugged').stdout.strip()
    alice.wait_signal(r"DeviceAdded \('plugged', 'speaker', 'Plugged'\)")
    device_event(watch, 'device-added', 'speaker', 'plugged')
    if 'plugged' not in {d['id'] for d in devices(alice)}:
        raise Failure('the plugged speaker is not in Devices')
    pulse.pactl('unload-module', module)
    alice.wait_signal(r"DeviceRemoved \('plugged', 'speaker', 'Plugged'\)")
    device_event(watch, 'device-removed', 'speaker', 'plugged')
    if 'plugged' in {d['id'] for d in devices(alice)}:
        raise Failure('the unplugged speaker is still in Devices')


def test_unknown_and_ambiguous_names(alice, bob, pulse):
    result = alice.blink('use-mic', 'no-such-microphone')
    if result.returncode != 1 or 'There is no microphone “no-such-microphone”' not in result.stderr:
        raise Failure(f'unknown name: {result.returncode} {result.stderr!r}')
    expect_error(alice.gdbus(ROOT, 'im.blink.Manager1.UseSpeaker', 'no-such-speaker',
                             check=False), 'im.blink.Error.NoSuchDevice')
    # A microphone's name is no speaker (a speaker's is also its monitor's).
    expect_error(alice.gdbus(ROOT, 'im.blink.Manager1.UseSpeaker', 'Mic 700', check=False),
                 'im.blink.Error.NoSuchDevice')
    result = alice.blink('use-mic', 'mic')
    if (result.returncode != 1 or '“Mic 700”' not in result.stderr
            or '“Silent Mic”' not in result.stderr):
        raise Failure(f'ambiguous name: {result.returncode} {result.stderr!r}')
    if manager(alice, 'Microphone') != '' or manager(alice, 'Speaker') != '':
        raise Failure('a refused name changed the devices in use')


def audio_test_level(party):
    """The median of the second half of what `blink test-audio 4 --json` reports."""
    result = party.blink('test-audio', '4', '--json')
    levels = [json.loads(line)['level'] for line in result.stdout.splitlines()]
    if result.returncode != 0 or len(levels) < 10:
        raise Failure(f'blink test-audio: {result.returncode} {result.stderr!r}, {len(levels)} '
                      'levels in 4 s')
    later = sorted(levels[len(levels) // 2:])
    return later[len(later) // 2]


def test_audio_test_levels(alice, bob, pulse):
    if alice.blink('use-mic', 'Mic 700').returncode != 0:
        raise Failure('blink use-mic “Mic 700” failed')
    loud = audio_test_level(alice)
    alice.blink('use-mic', 'silent')
    silent = audio_test_level(alice)
    alice.blink('use-mic', 'default')
    if loud < -25 or silent > -90:
        raise Failure(f'test-audio: {loud:.1f} dBFS from the tone, {silent:.1f} from silence')
    if manager(alice, 'AudioTest') != 'false':
        raise Failure('the audio test still runs after blink test-audio ended')
    return f'tone {loud:.1f} dBFS, silence {silent:.1f} dBFS'


def test_audio_test_sound_on_the_speaker(alice, bob, pulse):
    alice.blink('use-speaker', 'Speaker A')
    test = Process('blink test-audio', [BLINK, 'test-audio', '5', '--json'], env=alice.env)
    alice.started.append(test)
    test.expect(lambda line: 'microphone-level' in line, 10, 'level')
    samples, rate = pulse.record(f'{SPEAKER_A}.monitor', 3)
    samples = samples[-rate:]  # the speaker may start after the microphone
    test.stop()
    alice.blink('use-speaker', 'default')
    frequency, level = dominant_frequency(samples[::2], rate // 2), level_db(samples)
    if abs(frequency - 880) > 10 or level < -40:
        raise Failure(f'Speaker A played {frequency} Hz at {level:.1f} dBFS, not the test tone')
    return f'{frequency} Hz at {level:.1f} dBFS'


def test_switch_microphone_mid_call(alice, bob, pulse):
    alice.call = connect(alice, bob)
    # Only the switch is timed here (test-start-of-call times the start):
    # a sanitized build on a loaded machine was heard 3.5 s after connecting.
    expect_tone(bob, bob.heard.seconds(), alice.tone, 'from alice before the switch', within=10)
    received = packets_received(bob, alice)
    if alice.blink('use-mic', 'Mic 700').returncode != 0:
        raise Failure('blink use-mic during the call failed')
    if manager(alice, 'Microphone') != 'mic700':
        raise Failure(f'Microphone is {manager(alice, "Microphone")!r}')
    level = wait_for_tone(bob, MIC_TONE, 'from alice’s new microphone')
    if packets_received(bob, alice) <= received:
        raise Failure('no packets from alice after the switch')
    expect_error(alice.gdbus(ROOT, 'im.blink.Manager1.StartAudioTest', check=False),
                 'im.blink.Error.CallActive')
    if manager(alice, 'ActiveCall') != alice.call:
        raise Failure('the call changed with the microphone')
    return f'{MIC_TONE} Hz at {level:.1f} dBFS'


def test_unplugged_microphone_falls_back(alice, bob, pulse):
    pulse.pactl('unload-module', pulse.module_of('source_name=mic700'))
    alice.wait_signal(r"DeviceFallback \('microphone', 'mic700', 'Mic 700'\)")
    device_event(alice.watch, 'device-fallback', 'microphone', 'mic700')
    if manager(alice, 'Microphone') != '':
        raise Failure('Microphone still names the unplugged microphone')
    level = wait_for_tone(bob, alice.tone, 'from alice’s default again')
    if manager(alice, 'ActiveCall') != alice.call:
        raise Failure('the call did not go on')
    return f'{alice.tone} Hz at {level:.1f} dBFS'


def test_switch_speaker_and_unplug_it(alice, bob, pulse):
    if alice.blink('use-speaker', 'Speaker A').returncode != 0:
        raise Failure('blink use-speaker during the call failed')
    # The new speaker's stream may start a while after the switch returns
    # (a sanitized daemon once played only silence in the first second):
    # a second of it at a time, for up to 8 s.
    for _ in range(8):
        samples, rate = pulse.record(f'{SPEAKER_A}.monitor', 1)
        frequency, level = dominant_frequency(samples[::2], rate // 2), level_db(samples)
        if abs(frequency - bob.tone) <= 10 and level >= -40:
            break
    else:
        raise Failure(f'Speaker A plays {frequency} Hz at {level:.1f} dBFS, not bob')
    received = packets_received(alice, bob)
    # PulseAudio moves the stream elsewhere without a word to blinkd.
    pulse.pactl('unload-module', pulse.module_of(f'sink_name={SPEAKER_A}'))
    alice.wait_signal(r"DeviceFallback \('speaker', 'speaker_a', 'Speaker A'\)")
    device_event(alice.watch, 'device-fallback', 'speaker', SPEAKER_A)
    wait_until(lambda: packets_received(alice, bob) > received + 50, 10,
               'packets from bob after the fallback')
    if manager(alice, 'Speaker') != '' or manager(alice, 'ActiveCall') != alice.call:
        raise Failure('after the fallback: Speaker or the call is not as it should be')
    return f'bob heard on Speaker A: {frequency} Hz at {level:.1f} dBFS'


def main():
    tests = [test_list_shows_the_devices, test_hot_plug, test_unknown_and_ambiguous_names,
             test_audio_test_levels, test_audio_test_sound_on_the_speaker,
             test_switch_microphone_mid_call, test_unplugged_microphone_falls_back,
             test_switch_speaker_and_unplug_it]
    # Some of them only, by name, e.g. "hot-plug"; the first always runs.
    if len(sys.argv) > 1:
        tests = tests[:1] + [t for t in tests[1:] if t.__name__[5:].replace('_', '-') in sys.argv]
    workdir = tempfile.mkdtemp(prefix='blink-test-devices-')
    started = []
    failed = 0
    try:
        try:
            pulse = PulseServer(workdir, started)
        except (OSError, Failure) as e:
            print(f'1..0 # SKIP no PulseAudio server: {str(e).splitlines()[0]}', flush=True)
            return 0
        print(f'1..{len(tests)}', flush=True)
        pulse.wait_for_feed()
        info_a, info_b = start_ipfs_pair(started)
        server = pulse.env['PULSE_SERVER']
        alice = Party('alice', workdir, info_a['api'], started, PULSE_SERVER=server)
        bob = Party('bob', workdir, info_b['api'], started, tone=660, PULSE_SERVER=server)
        for i, test in enumerate(tests, 1):
            name = test.__name__[len('test_'):].replace('_', '-')
            try:
                detail = test(alice, bob, pulse)
                print(f'ok {i} /blink/devices/{name}' + (f' # {detail}' if detail else ''),
                      flush=True)
            except (Failure, subprocess.SubprocessError, json.JSONDecodeError) as e:
                failed += 1
                print(f'not ok {i} /blink/devices/{name}', flush=True)
                tell(e)
                for party in (alice, bob):
                    tell('\n'.join(party.daemon.stderr[-10:]), party.name)
    finally:
        for process in reversed(started):
            process.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
