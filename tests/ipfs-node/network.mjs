// SPDX-License-Identifier: LGPL-2.1-or-later
// Starts N connected ipfs-node.mjs processes on free loopback ports, waits
// until each is ready and sees all the others, and stops them.

import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const NODE_SCRIPT = fileURLToPath(new URL('./ipfs-node.mjs', import.meta.url))

function startNode (args) {
  // stdin stays open: the node exits when this process goes away, however it ends.
  const child = spawn(process.execPath, [NODE_SCRIPT, '--exit-with-stdin', ...args], {
    stdio: ['pipe', 'pipe', 'inherit']
  })
  const lines = createInterface({ input: child.stdout })
  const node = { child, api: null, peerId: null, swarm: [], peers: 0, waiters: [] }
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

export async function startNetwork (count) {
  const nodes = []
  for (let i = 0; i < count; i++) {
    const peers = nodes.flatMap((node) => ['--peer', node.swarm[0]])
    nodes.push(await startNode(peers))
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
