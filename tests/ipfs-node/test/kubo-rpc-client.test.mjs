// SPDX-License-Identifier: LGPL-2.1-or-later
// Proves that our node speaks Kubo's RPC dialect: the official Kubo client
// subscribes, publishes and queries through it.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { create } from 'kubo-rpc-client'

import { startNetwork, defaultKind } from '../network.mjs'

let network, a, b

before(async () => {
  network = await startNetwork(2)
  a = create({ url: network.nodes[0].api })
  b = create({ url: network.nodes[1].api })
})

after(async () => {
  await network?.stop()
})

async function waitUntil (predicate, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

test('id returns the node\'s peer id and addresses', async () => {
  const id = await a.id()
  assert.equal(id.id.toString(), network.nodes[0].peerId)
  assert.ok(id.addresses.length > 0)
  assert.ok(id.addresses.every((ma) => ma.toString().startsWith('/ip4/127.0.0.1/')))
})

test('a message published on A reaches a subscriber on B', async () => {
  const topic = 'blink/1/test/kubo-rpc-client'
  const received = []
  await b.pubsub.subscribe(topic, (message) => received.push(message))
  await waitUntil(async () => (await a.pubsub.peers(topic)).map(String).includes(network.nodes[1].peerId),
    'A sees B subscribed')

  assert.deepEqual(await b.pubsub.ls(), [topic])

  const payload = new Uint8Array([0, 1, 2, 253, 254, 255, 10, 13])
  await a.pubsub.publish(topic, payload)
  await waitUntil(() => received.length === 1, 'the message arrives')

  const [message] = received
  assert.equal(message.type, 'signed')
  assert.equal(message.from.toString(), network.nodes[0].peerId)
  assert.equal(message.topic, topic)
  assert.deepEqual(message.data, payload)
  assert.equal(typeof message.sequenceNumber, 'bigint')

  await b.pubsub.unsubscribe(topic)
  await waitUntil(async () => (await b.pubsub.ls()).length === 0, 'B unsubscribed')
})

test('a node delivers its own messages to its own subscribers', async () => {
  const topic = 'blink/1/test/self'
  const received = []
  await a.pubsub.subscribe(topic, (message) => received.push(message))
  await a.pubsub.publish(topic, new TextEncoder().encode('to myself'))
  await waitUntil(() => received.length === 1, 'own message arrives')
  assert.equal(new TextDecoder().decode(received[0].data), 'to myself')
  await a.pubsub.unsubscribe(topic)
})

test('publishing to a topic nobody subscribes to succeeds', async () => {
  await a.pubsub.publish('blink/1/test/nobody', new Uint8Array([1]))
})

test('errors have Kubo\'s shape', async () => {
  // A missing argument: 400 and a line of plain text.
  const response = await fetch(`${network.nodes[0].api}/api/v0/pubsub/pub`, { method: 'POST' })
  assert.equal(response.status, 400)
  assert.match(response.headers.get('content-type'), /^text\/plain/)
  assert.equal(await response.text(), 'argument "topic" is required\n')

  const get = await fetch(`${network.nodes[0].api}/api/v0/id`)
  assert.equal(get.status, 405)

  // A command that fails: 500 and JSON with Code 0.
  const notMultibase = await fetch(`${network.nodes[0].api}/api/v0/pubsub/sub?arg=plain`, { method: 'POST' })
  assert.equal(notMultibase.status, 500)
  assert.deepEqual(await notMultibase.json(),
    { Message: 'URL arg must be multibase encoded: selected encoding not supported', Code: 0, Type: 'error' })

  await assert.rejects(a.swarm.connect('/not/a/multiaddr'), /failed to parse multiaddr "\/not\/a\/multiaddr"/)

  // Over 1 MiB: Kubo 0.43 answers 200 anyway; our node refuses.
  const big = a.pubsub.publish('blink/1/test/big', new Uint8Array(1024 * 1024 + 1))
  if (defaultKind === 'k') await big
  else await assert.rejects(big, /too large/)
})

test('swarm/connect and swarm/peers', async () => {
  const peers = await a.swarm.peers()
  assert.deepEqual(peers.map((p) => p.peer.toString()), [network.nodes[1].peerId])
  await a.swarm.connect(network.nodes[1].swarm[0])
})
