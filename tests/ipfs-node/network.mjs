// SPDX-License-Identifier: LGPL-2.1-or-later
// Starts N connected IPFS nodes on free loopback ports, waits until each is
// ready and sees all the others, and stops them. A node is Kubo
// (../kubo_node.py) or ipfs-node.mjs: `kinds` has one letter per node, 'k'
// or 'j'; by default every node is Kubo, or ipfs-node.mjs when
// BLINK_TEST_IPFS=js.

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const NODE_SCRIPT = fileURLToPath(new URL('./ipfs-node.mjs', import.meta.url))
const KUBO_NODE_SCRIPT = fileURLToPath(new URL('../kubo_node.py', import.meta.url))

export const defaultKind = process.env.BLINK_TEST_IPFS === 'js' ? 'j' : 'k'

function startNode (kind, args) {
  const repo = mkdtempSync(join(tmpdir(), 'blink-ipfs-'))
  const argv = kind === 'k'
    ? [process.env.BLINK_TEST_PYTHON ?? 'python3', KUBO_NODE_SCRIPT]
    : [process.execPath, NODE_SCRIPT]
  // stdin stays open: the node exits when this process goes away, however it ends.
  const child = spawn(argv[0], [argv[1], '--exit-with-stdin', '--repo', repo, ...args], {
    stdio: ['pipe', 'pipe', 'inherit']
  })
  child.once('exit', () => rmSync(repo, { recursive: true, force: true }))
  const lines = createInterface({ input: child.stdout })
  const node = { kind, child, api: null, peerId: null, swarm: [], peers: 0, waiters: [] }
  const notify = () => { for (const waiter of node.waiters) waiter() }

  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`ipfs node exited with ${code}`)))
    lines.on('line', (line) => {
      let m
      if ((m = line.match(/^RPC API server listening on \/ip4\/([^/]+)\/tcp\/(\d+)$/))) {
        node.api = `http://${m[1]}:${m[2]}`
      } else if ((m = line.match(/^PeerID: (\S+)$/))) {
        node.peerId = m[1]
      } else if ((m = line.match(/^Swarm listening on (\S+)$/))) {
        node.swarm.push(m[1])
      } else if (line === 'Daemon is ready') {
        resolve(node)
      } else if ((m = line.match(/^Peers: (\d+)$/))) {
        node.peers = Number(m[1])
      }
      notify()
    })
  })
}

function waitFor (node, predicate, timeoutMs = 10000) {
  if (predicate()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for the ipfs node')), timeoutMs)
    node.waiters.push(() => {
      if (predicate()) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
}

export async function startNetwork (count, kinds = defaultKind.repeat(count)) {
  const nodes = []
  for (let i = 0; i < count; i++) {
    const peers = nodes.flatMap((node) => ['--peer', node.swarm[0]])
    nodes.push(await startNode(kinds[i], peers))
  }
  await Promise.all(nodes.map((node) => waitFor(node, () => node.peers >= count - 1)))
  return {
    nodes,
    async stop () {
      await Promise.all(nodes.map((node) => new Promise((resolve) => {
        if (node.child.exitCode != null) return resolve()
        node.child.once('exit', resolve)
        node.child.kill('SIGTERM')
      })))
    }
  }
}
