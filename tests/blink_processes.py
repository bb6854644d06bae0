# SPDX-License-Identifier: LGPL-2.1-or-later
"""Processes for the demo call and the daemon tests: the local IPFS test
network's nodes, private session buses, and anything whose output lines
are awaited."""

import json
import os
import queue
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODE = os.environ.get('BLINK_TEST_NODE',
                      os.path.join(TOP, 'tests', 'ipfs-node', 'node_modules', '.bin', 'node'))
NODE_SCRIPT = os.environ.get('BLINK_TEST_IPFS_NODE_SCRIPT',
                             os.path.join(TOP, 'tests', 'ipfs-node', 'ipfs-node.mjs'))
KUBO_NODE_SCRIPT = os.environ.get('BLINK_TEST_KUBO_NODE_SCRIPT',
                                  os.path.join(TOP, 'tests', 'kubo_node.py'))
# The kind of IPFS node: 'kubo' unless BLINK_TEST_IPFS=js.
DEFAULT_KIND = 'js' if os.environ.get('BLINK_TEST_IPFS') == 'js' else 'kubo'
# Whether the programs under test are the sanitized build's (meson sets it).
SANITIZED = bool(os.environ.get('BLINK_TEST_SANITIZED'))


class Failure(Exception):
    pass


class Skip(Exception):
    """A test that cannot run here; the message says why."""


def tell(text, who=None):
    """Why a test failed, as TAP comments on stdout and the same lines on
    stderr: meson shows a failed test's stderr, not its comments."""
    for line in str(text).splitlines():
        line = f'# {who}: {line}' if who else f'# {line}'
        print(line, flush=True)
        print(line, file=sys.stderr, flush=True)


def second_chance(run):
    """run() → (faults, summary), run once more when it finds faults: a
    machine busy with other work starves real-time daemons now and then,
    while what the timing tests catch happened in every call. Returns the
    second run's faults, its summary saying what the first one found."""
    faults, summary = run()
    if not faults:
        return faults, summary
    first = '; '.join(faults)
    faults, summary = run()
    return faults, f'{summary} (a second call: the first had {first})'


def gdb_stacks(args, max_lines=1500):
    """Every thread's stack as gdb prints them, gdb given @args (-p PID,
    or a program and its core file). A note instead when there is no gdb."""
    if shutil.which('gdb') is None:
        return '(no gdb here: no stacks)'
    try:
        out = subprocess.run(['gdb', '-batch', '-nx', '-ex', 'set pagination off',
                              '-ex', 'thread apply all bt', *args], text=True,
                             capture_output=True, timeout=120, stdin=subprocess.DEVNULL).stdout
    except subprocess.TimeoutExpired:
        return '(gdb took more than 120 s: no stacks)'
    # gdb's own chatter (symbols loaded, the process attached) goes.
    lines = [l for l in out.splitlines()
             if l.startswith(('Thread ', '#', 'Program terminated')) or not l]
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f'({len(lines) - max_lines} more lines)']
    return '\n'.join(lines)


def thread_stacks(pid):
    """Every thread's stack in process @pid, for a failure that looks like
    a hang: without them a hang in a run on another machine can only be
    guessed at."""
    return gdb_stacks(['-p', str(pid)])


# The signals whose default action leaves a core (signal(7)).
DUMPING_SIGNALS = {signal.SIGABRT, signal.SIGBUS, signal.SIGFPE, signal.SIGILL, signal.SIGQUIT,
                   signal.SIGSEGV, signal.SIGSYS, signal.SIGTRAP, signal.SIGXCPU, signal.SIGXFSZ}


def core_stacks(exe, directory, pid):
    """Every thread's stack in the core file that process @pid (running
    @exe in @directory) left when it crashed: a crash seen once on another
    machine is otherwise lost. A note instead when there is none."""
    cores = [os.path.join(directory, name) for name in (f'core.{pid}', 'core')]
    core = next((path for path in cores if os.path.exists(path)), None)
    if core is None:
        with open('/proc/sys/kernel/core_pattern') as f:
            pattern = f.read().strip()
        limit = resource.getrlimit(resource.RLIMIT_CORE)[1]
        limit = 'unlimited' if limit == resource.RLIM_INFINITY else f'{limit} bytes'
        return (f'(no core file in {directory}; the kernel\'s core_pattern is {pattern!r}, '
                f'the hard limit on a core {limit})')
    try:
        return gdb_stacks([exe, core])
    finally:
        if not os.environ.get('BLINK_TEST_KEEP'):
            os.unlink(core)


class Process:
    """A child whose stdout lines are read on a thread into a queue. With
    @cwd, it runs there and may leave a core file there when it crashes
    (read by stacks()); @exe is then the program that runs, when @argv
    starts with a wrapper."""

    def __init__(self, name, argv, env=None, stdin=False, cwd=None, exe=None):
        self.name = name
        self.cwd = cwd
        self.exe = exe or argv[0]
        self.crash = None  # what its core file said, once read
        # With @cwd, as big a core as it may have; set around Popen, which
        # the child inherits, and not for the others (preexec_fn is unsafe
        # beside the reader threads).
        limit = resource.getrlimit(resource.RLIMIT_CORE)
        if cwd is not None:
            resource.setrlimit(resource.RLIMIT_CORE, (limit[1], limit[1]))
        try:
            self.proc = subprocess.Popen(
                argv, env=env, text=True, bufsize=1, cwd=cwd,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        finally:
            resource.setrlimit(resource.RLIMIT_CORE, limit)
        self.lines = queue.Queue()
        self.stderr = []
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines.put),
                         daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr.append),
                         daemon=True).start()

    @staticmethod
    def _read(stream, put):
        for line in stream:
            put(line.rstrip('\n'))

    def expect(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(f'{self.name}: no {what} within {timeout} s'
                              + self.stderr_tail())
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            result = predicate(line)
            if result:
                return result

    def stacks(self):
        """Its threads' stacks, while it runs (thread_stacks()), or when
        it crashed (core_stacks())."""
        status = self.proc.poll()
        if status is None:
            return thread_stacks(self.proc.pid)
        if -status in DUMPING_SIGNALS and self.cwd is not None:
            if self.crash is None:
                self.crash = (f'(killed by signal {-status})\n'
                              + core_stacks(self.exe, self.cwd, self.proc.pid))
            return self.crash
        return f'(exited with status {status})'

    def crashed(self):
        """Whether it was killed by a signal that leaves a core."""
        status = self.proc.poll()
        return status is not None and -status in DUMPING_SIGNALS

    def stderr_tail(self, count=5):
        tail = '\n    '.join(self.stderr[-count:])
        return f'\n  its last messages:\n    {tail}' if tail else ''

    def unread_tail(self, count=60):
        """Its last @count lines on stdout that nobody awaited (a daemon's
        debug messages), for a failure's report."""
        with self.lines.mutex:
            lines = list(self.lines.queue)[-count:]
        tail = '\n    '.join(lines)
        return f'\n  its last lines of output:\n    {tail}' if tail else ''

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class IpfsNode(Process):
    """A node of the local IPFS test network, with its repo in a temporary folder."""

    def __init__(self, name, kind, peer=None, repo=None, api=None, pubsub_off=False):
        self.kind = kind
        self.repo = repo or tempfile.mkdtemp(prefix='blink-ipfs-')
        if kind == 'kubo':
            argv = [sys.executable, KUBO_NODE_SCRIPT]
        else:
            argv = [NODE, NODE_SCRIPT]
        argv += ['--exit-with-stdin', '--repo', self.repo]
        for address in ([peer] if isinstance(peer, str) else peer or []):
            argv += ['--peer', address]
        if api:
            argv += ['--api', api]
        if pubsub_off:
            argv.append('--pubsub-off')
        super().__init__(name, argv, stdin=True)

    def stop(self, sig=signal.SIGTERM, timeout=10, keep_repo=False):
        status = super().stop(sig, timeout)
        if not keep_repo:
            shutil.rmtree(self.repo, ignore_errors=True)
        return status


def start_ipfs_node(name, peer=None, kind=DEFAULT_KIND, api=None):
    """A ready node of @kind ('kubo' or 'js'), connected to @peer if given
    (a swarm address, or a list of them), its RPC API on @api (HOST:PORT)
    if given."""
    node = IpfsNode(name, kind, peer, api=api)
    info = {}

    def ready(line):
        m = re.match(r'RPC API server listening on (\S+)$', line)
        if m:
            info['api'] = m.group(1)
        m = re.match(r'Swarm listening on (\S+)$', line)
        if m:
            info.setdefault('swarm', m.group(1))
        return line == 'Daemon is ready'

    node.expect(ready, 30, 'ready IPFS node')
    return node, info


def start_ipfs_pair(started, kind=DEFAULT_KIND):
    """Alice's and bob's nodes, connected to each other; each is added to
    @started as soon as it runs. Returns their infos (api, swarm)."""
    node_a, info_a = start_ipfs_node('ipfs node of alice', kind=kind)
    started.append(node_a)
    node_b, info_b = start_ipfs_node('ipfs node of bob', info_a['swarm'], kind=kind)
    started.append(node_b)
    for node in (node_a, node_b):
        node.expect(lambda line: re.match(r'Peers: [1-9]', line), 15, 'peer')
    return info_a, info_b


def start_bus(name, workdir):
    bus = Process(name, ['dbus-daemon', '--session', '--nofork', '--print-address=1',
                         f'--address=unix:dir={workdir}'])
    address = bus.expect(lambda line: line if line.startswith('unix:') else None, 10,
                         'bus address')
    return bus, address


def watch_event(watch, kind, timeout=20, **fields):
    """The next `blink watch --json` event of @kind whose @fields match;
    every line before it must parse as JSON."""
    def match(line):
        e = json.loads(line)
        return e if e['event'] == kind and all(e.get(k) == v for k, v in fields.items()) \
            else None
    return watch.expect(match, timeout, f'{kind} event')


class Load:
    """A busy process per core at a higher priority than the daemons."""

    def __init__(self):
        self.procs = [subprocess.Popen(['nice', '-n', '-5', sys.executable, '-c',
                                        'while True: pass'])
                      for _ in range(os.cpu_count() or 2)]

    def stop(self):
        for p in self.procs:
            p.kill()
            p.wait()
        self.procs = []
