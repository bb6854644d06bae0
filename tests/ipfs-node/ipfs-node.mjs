#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// One IPFS pubsub node for Blink's tests and demo: js-libp2p with gossipsub over
// TCP (noise, yamux) on loopback, exposing the subset of Kubo's RPC API that
// Blink uses, with Kubo's paths, JSON shapes, multibase encoding and errors:
//
//   POST /api/v0/id                       the node's peer id and addresses
//   POST /api/v0/version
//   POST /api/v0/pubsub/sub?arg=<topic>   NDJSON stream of messages
//   POST /api/v0/pubsub/pub?arg=<topic>   payload in a multipart file part
//   POST /api/v0/pubsub/ls
//   POST /api/v0/pubsub/peers[?arg=<topic>]
//   POST /api/v0/swarm/connect?arg=<multiaddr>
//   POST /api/v0/swarm/peers
//
// Topics in URLs and data/seqno/topicIDs in messages are multibase base64url
// ("u" prefix). No bootstrap peers, no mDNS, no DHT: a node knows only the
// peers it is given. Like Kubo, it delivers a message to its own subscribers
// too, and publishing to a topic without peers succeeds.
//
// Usage: ipfs-node.mjs [--api HOST:PORT] [--swarm HOST:PORT] [--peer MULTIADDR]...
//                      [--repo DIR] [--exit-with-stdin] [--garbage]
//
// Prints "RPC API server listening on <multiaddr>", "PeerID: <id>",
// "Swarm listening on <multiaddr>", then "Daemon is ready"; afterwards
// "Peers: <n>" whenever the number of connected peers changes.

import { createServer } from 'node:http'
import { mkdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { gossipsub } from '@libp2p/gossipsub'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'

const AGENT = 'blink-ipfs-test-node/1.0.0'
// Kubo accepts pubsub messages up to 1 MiB by default.
const MAX_PUBLISH_BYTES = 1024 * 1024

const { values: options } = parseArgs({
  options: {
    api: { type: 'string', default: '127.0.0.1:0' },
    swarm: { type: 'string', default: '127.0.0.1:0' },
    peer: { type: 'string', multiple: true, default: [] },
    repo: { type: 'string' },
    'exit-with-stdin': { type: 'boolean', default: false },
    garbage: { type: 'boolean', default: false }
  }
})

const multibase = (bytes) => 'u' + Buffer.from(bytes).toString('base64url')

function unmultibase (text) {
  if (typeof text !== 'string' || text[0] !== 'u') {
    throw new Error('URL arg must be multibase encoded: selected encoding not supported')
  }
  return Buffer.from(text.slice(1), 'base64url')
}

// A missing or unreadable argument: Kubo refuses those before running the
// command, in plain text. Every other error is the command's, in JSON.
class ClientError extends Error {}

function splitHostPort (text) {
  const at = text.lastIndexOf(':')
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(text.slice(at + 1)) }
}

function ipFamily (host) {
  return host.includes(':') ? 'ip6' : 'ip4'
}

async function loadPrivateKey (repo) {
  if (repo == null) {
    return generateKeyPair('Ed25519')
  }
  mkdirSync(repo, { recursive: true, mode: 0o700 })
  const path = join(repo, 'peer.key')
  if (existsSync(path)) {
    return privateKeyFromProtobuf(readFileSync(path))
  }
  const key = await generateKeyPair('Ed25519')
  writeFileSync(path, privateKeyToProtobuf(key), { mode: 0o600 })
  return key
}

const swarm = splitHostPort(options.swarm)
const node = await createLibp2p({
  privateKey: await loadPrivateKey(options.repo),
  addresses: { listen: [`/${ipFamily(swarm.host)}/${swarm.host}/tcp/${swarm.port}`] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: {
    identify: identify({ agentVersion: AGENT }),
    pubsub: gossipsub({
      emitSelf: true,
      allowPublishToZeroTopicPeers: true,
      // Every message to every subscribed peer: a small test network
      // gains nothing from gossip and the mesh forms faster.
      floodPublish: true,
      heartbeatInterval: 200
    })
  }
})

const pubsub = node.services.pubsub
// topic → Set of HTTP responses streaming it
const subscribers = new Map()

pubsub.addEventListener('message', (event) => {
  const message = event.detail
  const streams = subscribers.get(message.topic)
  if (streams == null) {
    return
  }
  const seqno = Buffer.alloc(8)
  if (message.sequenceNumber != null) {
    seqno.writeBigUInt64BE(message.sequenceNumber)
  }
  const line = JSON.stringify({
    from: message.from?.toString(),
    data: multibase(message.data),
    seqno: multibase(seqno),
    topicIDs: [multibase(Buffer.from(message.topic))]
  }) + '\n'
  for (const res of streams) {
    if (options.garbage) {
      res.write('this is not json\n{"from":1}\n\n{"data":"u!!!","topicIDs":[]}\n')
    }
    res.write(line)
  }
})

function addSubscriber (topic, res) {
  let streams = subscribers.get(topic)
  if (streams == null) {
    streams = new Set()
    subscribers.set(topic, streams)
    pubsub.subscribe(topic)
  }
  streams.add(res)
}

function removeSubscriber (topic, res) {
  const streams = subscribers.get(topic)
  if (streams == null) {
    return
  }
  streams.delete(res)
  if (streams.size === 0) {
    subscribers.delete(topic)
    pubsub.unsubscribe(topic)
  }
}

function sendJson (res, status, body) {
  const text = JSON.stringify(body) + '\n'
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'X-Chunked-Output': '1'
  })
  res.end(text)
}

function sendError (res, error) {
  // Kubo's shapes: 400 and a line of text for a missing argument, 500 and
  // JSON with Code 0 for a command that failed.
  if (error instanceof ClientError) {
    const text = error.message + '\n'
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) })
    res.end(text)
    return
  }
  sendJson(res, 500, { Message: error.message, Code: 0, Type: 'error' })
}

function requireArg (url, what) {
  const arg = url.searchParams.get('arg')
  if (arg == null) {
    throw new ClientError(`argument "${what}" is required`)
  }
  return arg
}

async function readBody (req) {
  const chunks = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > MAX_PUBLISH_BYTES * 2) {
      throw new ClientError('request body too large')
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

async function readFilePart (req) {
  const type = req.headers['content-type'] ?? ''
  if (!type.startsWith('multipart/form-data')) {
    throw new ClientError('file argument \'data\' is required')
  }
  const body = await readBody(req)
  let form
  try {
    form = await new Request('http://localhost/', { method: 'POST', headers: { 'content-type': type }, body }).formData()
  } catch (error) {
    throw new Error(`cannot parse the multipart body: ${error.message}`)
  }
  for (const value of form.values()) {
    const data = typeof value === 'string' ? Buffer.from(value) : Buffer.from(await value.arrayBuffer())
    if (data.length > MAX_PUBLISH_BYTES) {
      throw new Error(`message is too large: ${data.length} bytes, at most ${MAX_PUBLISH_BYTES}`)
    }
    return data
  }
  throw new ClientError('file argument \'data\' is required')
}

const routes = {
  id: async (url, req, res) => {
    sendJson(res, 200, {
      ID: node.peerId.toString(),
      PublicKey: Buffer.from(publicKeyToProtobuf(node.peerId.publicKey)).toString('base64'),
      Addresses: node.getMultiaddrs().map((ma) => ma.toString()),
      AgentVersion: AGENT,
      Protocols: node.getProtocols()
    })
  },

  version: async (url, req, res) => {
    sendJson(res, 200, { Version: '0.0.0-blink-test', Commit: '', Repo: '', System: `${process.arch}/${process.platform}`, Golang: '' })
  },

  'pubsub/sub': async (url, req, res) => {
    const topic = unmultibase(requireArg(url, 'topic')).toString()
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'X-Chunked-Output': '1',
      Trailer: 'X-Stream-Error'
    })
    // The client learns that it is subscribed as soon as the headers arrive.
    res.flushHeaders()
    addSubscriber(topic, res)
    const done = () => removeSubscriber(topic, res)
    res.on('close', done)
    req.on('close', done)
  },

  'pubsub/pub': async (url, req, res) => {
    const topic = unmultibase(requireArg(url, 'topic')).toString()
    const data = await readFilePart(req)
    await pubsub.publish(topic, data)
    res.writeHead(200, { 'X-Chunked-Output': '1' })
    res.end()
  },

  'pubsub/ls': async (url, req, res) => {
    sendJson(res, 200, { Strings: [...subscribers.keys()].map((topic) => multibase(Buffer.from(topic))) })
  },

  'pubsub/peers': async (url, req, res) => {
    const arg = url.searchParams.get('arg')
    const peers = arg == null ? pubsub.getPeers() : pubsub.getSubscribers(unmultibase(arg).toString())
    sendJson(res, 200, { Strings: peers.map((peer) => peer.toString()) })
  },

  'swarm/connect': async (url, req, res) => {
    const addresses = url.searchParams.getAll('arg')
    if (addresses.length === 0) {
      throw new ClientError('argument "address" is required')
    }
    const results = []
    for (const address of addresses) {
      let ma
      try {
        ma = multiaddr(address)
      } catch (error) {
        throw new Error(`failed to parse multiaddr "${address}": ${error.message}`)
      }
      const connection = await node.dial(ma)
      results.push(`connect ${connection.remotePeer.toString()} success`)
    }
    sendJson(res, 200, { Strings: results })
  },

  'swarm/peers': async (url, req, res) => {
    sendJson(res, 200, {
      Peers: node.getConnections().map((connection) => ({
        Addr: connection.remoteAddr.decapsulateCode(421).toString(),
        Peer: connection.remotePeer.toString(),
        Direction: connection.direction === 'inbound' ? 1 : 2
      }))
    })
  }
}

const api = splitHostPort(options.api)
const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost')
  const route = url.pathname.startsWith('/api/v0/') ? routes[url.pathname.slice('/api/v0/'.length)] : undefined
  if (route == null) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
    res.end('404 page not found\n')
    return
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8' })
    res.end(`405 - Method Not Allowed\n`)
    return
  }
  try {
    await route(url, req, res)
  } catch (error) {
    if (!res.headersSent) {
      sendError(res, error)
    } else {
      res.end()
    }
  }
})
server.keepAliveTimeout = 60_000

await new Promise((resolve, reject) => {
  server.once('error', reject)
  server.listen(api.port, api.host, resolve)
})
const apiAddress = `/${ipFamily(api.host)}/${api.host}/tcp/${server.address().port}`
if (options.repo != null) {
  writeFileSync(join(options.repo, 'api'), apiAddress)
}

let peerCount = -1
function reportPeers () {
  const count = new Set(node.getConnections().map((c) => c.remotePeer.toString())).size
  if (count !== peerCount) {
    peerCount = count
    console.log(`Peers: ${count}`)
  }
}
node.addEventListener('peer:identify', reportPeers)
node.addEventListener('peer:disconnect', reportPeers)

for (const peer of options.peer) {
  try {
    await node.dial(multiaddr(peer))
  } catch (error) {
    console.error(`Cannot connect to ${peer}: ${error.message}`)
  }
}

console.log(`RPC API server listening on ${apiAddress}`)
console.log(`PeerID: ${node.peerId.toString()}`)
for (const ma of node.getMultiaddrs()) {
  console.log(`Swarm listening on ${ma.toString()}`)
}
console.log('Daemon is ready')
reportPeers()

let stopping = false
async function shutdown () {
  if (stopping) {
    return
  }
  stopping = true
  for (const streams of subscribers.values()) {
    for (const res of streams) {
      res.end()
    }
  }
  server.closeAllConnections()
  server.close()
  if (options.repo != null) {
    rmSync(join(options.repo, 'api'), { force: true })
  }
  await node.stop()
  process.exit(0)
}

process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
if (options['exit-with-stdin']) {
  process.stdin.on('end', shutdown)
  process.stdin.on('close', shutdown)
  process.stdin.resume()
}
