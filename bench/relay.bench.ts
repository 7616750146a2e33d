/**
 * Relay figures against the local ao network (test/devnet, real aos):
 * - keyfile signing of ao messages, items/s: ours (WebCrypto RSA-PSS) vs arbundles createData+sign;
 * - items signed *and* submitted per second with the keyfile signer through the persistent-queue
 *   logic (MemoryQueueStore: Node has no IndexedDB), one at a time and 8 in flight. The devnet MU
 *   answers after the CU evaluated the item, so this includes an aos evaluation per message;
 * - crank latency: from a result with one outbox message to our re-signed push being scheduled on
 *   the target's SU (assignment seen), median and p90. The devnet MU pushes every outbox of a
 *   message it saw, and its SU refuses a second push with the same deep hash (our push then counts
 *   as `superseded`, correctly). So the pushed figure cranks outboxes no MU pushes: a dry-run of the
 *   same Send (same outbox shape, fresh data each time), where the tab is the only pusher; the push
 *   is checked on B's SU log afterwards, outside the timing. The superseded path (crank of a real
 *   result the MU already pushed: sign, POST, refusal recognised) is reported as its own figure.
 * References measured in the same run: aoconnect `message()` (arbundles signing + MU POST) for
 * sign+submit; for the crank, the bare push a reference MU makes for the same outbox (arbundles
 * RSA signing of the rewritten item + POST to the SU, no target check, no queue, no confirmation);
 * for uploads, the bare `POST /tx/arweave` of an arbundles-signed item.
 */
import { ArweaveSigner, createData } from 'arbundles'
import { connect, createSigner } from '@permaweb/aoconnect'
import { ed25519 } from '@noble/curves/ed25519.js'
import { startDevnet } from '../test/devnet/devnet'
import { loadKey } from '../test/devnet/keys'
import { CuClient } from '../src/protocol/cu-client'
import { MuClient } from '../src/protocol/mu-client'
import { SuClient } from '../src/protocol/su-client'
import { Ed25519Signer } from '../src/protocol/signing'
import { messageItem, spawnItem } from '../src/relay/item-builder'
import { KeyfileSigner, KeySigner } from '../src/relay/signer'
import { SendQueue } from '../src/relay/send-queue'
import { MemoryQueueStore } from '../src/relay/memory-queue-store'
import { Crank, planCrank } from '../src/relay/crank'
import { UploaderClient } from '../src/relay/uploader'
import { ProcessCheck } from '../src/relay/process-check'
import { GatewayClient } from '../src/protocol/gateway-client'
import { median, now, row, type Bench, type BenchRow } from './lib'

const bench: Bench = async ({ quick }) => {
  const rows: BenchRow[] = []
  const key = loadKey('wallet-a')
  const signer = new KeyfileSigner(key.jwk as never)
  const target = key.address
  const n = quick ? 20 : 100

  // Signing only.
  let t = now()
  for (let i = 0; i < n; i++) await signer.sign(messageItem({ target, tags: [{ name: 'Action', value: 'Eval' }], data: `${i}` }))
  const ours = (n * 1000) / (now() - t)
  const arSigner = new ArweaveSigner(key.jwk as never)
  t = now()
  for (let i = 0; i < n; i++) {
    const item = createData(`${i}`, arSigner, { target, tags: messageItem({ target, tags: [{ name: 'Action', value: 'Eval' }] }).tags as never })
    await item.sign(arSigner)
  }
  const theirs = (n * 1000) / (now() - t)
  rows.push(row({ group: 'relay', name: 'keyfile sign ao message', value: ours, unit: 'items/s', reference: { name: 'arbundles createData+sign', value: theirs } }))

  const devnet = await startDevnet({ basePort: 17700 })
  try {
    const store = new MemoryQueueStore()
    const queue = new SendQueue({ store, route: () => 'mu', mu: () => new MuClient(devnet.urls.mu), suFor: async () => new SuClient(devnet.urls.su), confirmPollMs: 5 })
    const relayKey = new KeySigner('relay', new Ed25519Signer(ed25519.utils.randomSecretKey()))
    const spawn = async () => {
      const s = await signer.sign(spawnItem({ module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, authorities: [devnet.authority, relayKey.address] }))
      await queue.submit(s.bytes, { untilAssigned: true })
      return s.id
    }
    const A = await spawn()
    const B = await spawn()
    const m = quick ? 10 : 40
    const evalItem = (i: number) => signer.sign(messageItem({ target: A, tags: [{ name: 'Action', value: 'Eval' }], data: `return ${i}` }))

    // Interleaved item by item (ours, then aoconnect's), so warm-up and a busy machine weigh on both alike.
    const ao = connect({ MODE: 'legacy', MU_URL: devnet.urls.mu, CU_URL: devnet.urls.cu, GATEWAY_URL: devnet.urls.gateway } as never) as unknown as {
      message(a: { process: string; signer: unknown; tags: { name: string; value: string }[]; data: string }): Promise<string>
    }
    const aoSigner = createSigner(key.jwk)
    let oursMs = 0
    let aoMs = 0
    for (let i = 0; i < m; i++) {
      t = now()
      await queue.submit((await evalItem(i)).bytes)
      oursMs += now() - t
      t = now()
      await ao.message({ process: A, signer: aoSigner, tags: [{ name: 'Action', value: 'Eval' }], data: `return ${500 + i}` })
      aoMs += now() - t
    }
    const seqOurs = (m * 1000) / oursMs
    const seqAo = (m * 1000) / aoMs
    rows.push(row({ group: 'relay', name: 'sign+submit via MU, sequential (devnet, aos eval included)', value: seqOurs, unit: 'items/s', reference: { name: 'aoconnect message()', value: seqAo }, note: 'ours also persists each item and records sent' }))

    // 8 in flight, batch by batch, alternating ours and aoconnect's.
    oursMs = 0
    aoMs = 0
    const batches = Math.max(1, Math.round(m / 8))
    for (let b = 0; b < batches; b++) {
      t = now()
      await Promise.all(Array.from({ length: 8 }, async (_, j) => queue.submit((await evalItem(1000 + b * 8 + j)).bytes)))
      oursMs += now() - t
      t = now()
      await Promise.all(Array.from({ length: 8 }, (_, j) => ao.message({ process: A, signer: aoSigner, tags: [{ name: 'Action', value: 'Eval' }], data: `return ${2000 + b * 8 + j}` })))
      aoMs += now() - t
    }
    rows.push(row({ group: 'relay', name: 'sign+submit via MU, 8 in flight (devnet, aos eval included)', value: (batches * 8 * 1000) / oursMs, unit: 'items/s', reference: { name: 'aoconnect message(), 8 in flight', value: (batches * 8 * 1000) / aoMs } }))

    // Crank latency: result in hand → our push assigned on B's SU.
    const cu = new CuClient(devnet.urls.cu)
    const targets = new ProcessCheck({ gateway: new GatewayClient(devnet.urls.gateway), suFor: async () => new SuClient(devnet.urls.su) })
    const crank = new Crank({
      signer: relayKey,
      queue: new SendQueue({ store: new MemoryQueueStore(), route: () => 'su', mu: () => new MuClient(devnet.urls.mu), suFor: async () => new SuClient(devnet.urls.su), confirmPollMs: 2 }),
      assignAt: async () => new MuClient(devnet.urls.su),
      pushed: { get: async () => undefined, set: async () => undefined },
      isProcess: (id) => targets.isProcess(id),
      processInfo: async () => ({ moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress }),
    })
    const pushLat: number[] = []
    const bareLat: number[] = []
    const supersededLat: number[] = []
    const muSigner = new ArweaveSigner(loadKey('wallet-b').jwk as never)
    const rounds = quick ? 5 : 20
    for (let i = 0; i < rounds; i++) {
      const send = (tag: string) => `Send({ Target = "${B}", Action = "Ping", Data = "${tag}-${i}" })`
      // A real message: the devnet MU pushes its outbox itself, so our crank is superseded.
      const s = await signer.sign(messageItem({ target: A, tags: [{ name: 'Action', value: 'Eval' }], data: send('real') }))
      await queue.submit(s.bytes, { untilAssigned: true })
      const result = await cu.result(s.id, A)
      const origin = { processId: A, moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress, messageId: s.id, pushedFor: s.id }
      let t0 = now()
      const sup = await crank.crank(result, origin)
      if (sup.superseded !== 1 || sup.pushed.length !== 0 || sup.errors.length) throw new Error(`crank bench: expected the MU-pushed outbox to be superseded, got ${JSON.stringify(sup)}`)
      supersededLat.push(now() - t0)

      // The same Send as a dry-run: an outbox no MU pushes; ours is the push that gets scheduled.
      const dry = await cu.dryRun(A, { Owner: key.address, Target: A, Tags: [{ name: 'Action', value: 'Eval' }], Data: send('dry') })
      t0 = now()
      const report = await crank.crank(dry, { ...origin, messageId: `dry-run-${i}` })
      const elapsed = now() - t0
      const push = report.pushed[0]
      if (report.pushed.length !== 1 || !push || report.errors.length) throw new Error(`crank bench: expected 1 push of the dry-run outbox, got ${JSON.stringify(report)}`)
      const onSu = await new SuClient(devnet.urls.su).getMessage(push.id, B)
      if (onSu.message?.id !== push.id || onSu.assignment.tags.find((t) => t.name === 'Process')?.value !== B) {
        throw new Error(`crank bench: push ${push.id} not scheduled on ${B}: ${JSON.stringify(onSu).slice(0, 300)}`)
      }
      pushLat.push(elapsed)

      // Reference: the bare push of another dry-run's outbox, as an MU makes it (sign + POST).
      const dry2 = await cu.dryRun(A, { Owner: key.address, Target: A, Tags: [{ name: 'Action', value: 'Eval' }], Data: send('bare') })
      const input = planCrank(dry2, { ...origin, messageId: `bare-${i}` }).messages[0]!.input
      t0 = now()
      const item = createData(input.data as string, muSigner, { target: input.target as string, anchor: input.anchor as string, tags: input.tags as never })
      await item.sign(muSigner)
      const res = await fetch(devnet.urls.su, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(item.getRaw()) })
      if (!res.ok) throw new Error(`crank bench: bare push refused: ${res.status} ${await res.text()}`)
      await res.arrayBuffer()
      bareLat.push(now() - t0)
    }
    const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? 0
    const note = 'isProcess check + sign (ed25519) + POST to the SU (devnet evaluates before answering) + assignment lookup'
    const bare = { name: 'bare MU push (arbundles RSA sign + POST to SU)', value: median(bareLat) }
    rows.push(row({ group: 'relay', name: 'crank latency: result → push assigned on target SU (median)', value: median(pushLat), unit: 'ms', higherIsBetter: false, reference: bare, note: `${note}; outbox of a dry-run (no MU pushes it), ${rounds} rounds` }))
    rows.push(row({ group: 'relay', name: 'crank latency p90', value: p90(pushLat), unit: 'ms', higherIsBetter: false, reference: { name: 'bare MU push p90', value: p90(bareLat) } }))

    // Uploads: a Send to a wallet, cranked to the devnet gateway's POST /tx/arweave, receipt in hand.
    const upQueue = new SendQueue({
      store: new MemoryQueueStore(),
      route: () => 'su',
      mu: () => new MuClient(devnet.urls.mu),
      suFor: async () => new SuClient(devnet.urls.su),
      uploader: () => new UploaderClient(devnet.urls.gateway),
      uploads: (() => {
        const m = new Map<string, never>()
        return { get: async (id: string) => m.get(id), set: async (id: string, v: unknown) => void m.set(id, v as never) }
      })(),
    })
    const upCrank = new Crank({
      signer: relayKey,
      queue: upQueue,
      assignAt: async () => new MuClient(devnet.urls.su),
      pushed: { get: async () => undefined, set: async () => undefined },
      isProcess: (id) => targets.isProcess(id),
      processInfo: async () => ({ moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress }),
    })
    const upLat: number[] = []
    const bareUpLat: number[] = []
    const wallet = loadKey('wallet-b').address
    for (let i = 0; i < rounds; i++) {
      const dry = await cu.dryRun(A, { Owner: key.address, Target: A, Tags: [{ name: 'Action', value: 'Eval' }], Data: `Send({ Target = "${wallet}", Action = "Paid", Data = "up-${i}" })` })
      const origin = { processId: A, moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress, messageId: `up-${i}`, pushedFor: `up-${i}` }
      let t0 = now()
      const r = await upCrank.crank(dry, origin)
      if (r.uploaded.length !== 1 || r.errors.length) throw new Error(`crank bench: expected 1 upload, got ${JSON.stringify(r)}`)
      upLat.push(now() - t0)
      const input = planCrank(dry, { ...origin, messageId: `bare-up-${i}` }).messages[0]!.input
      t0 = now()
      const item = createData(`bare-${input.data as string}`, muSigner, { target: input.target as string, anchor: input.anchor as string, tags: input.tags as never })
      await item.sign(muSigner)
      const res = await fetch(`${devnet.urls.gateway}/tx/arweave`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(item.getRaw()) })
      if (!res.ok) throw new Error(`crank bench: bare upload refused: ${res.status}`)
      await res.arrayBuffer()
      bareUpLat.push(now() - t0)
    }
    rows.push(row({ group: 'relay', name: 'crank of a Send to a wallet → upload receipt (median)', value: median(upLat), unit: 'ms', higherIsBetter: false, reference: { name: 'bare upload (arbundles RSA sign + POST /tx/arweave)', value: median(bareUpLat) }, note: 'target check (GraphQL + SU) + ed25519 sign + queue + POST {uploader}/tx/arweave' }))
    rows.push(row({ group: 'relay', name: 'crank of an outbox the MU already pushed → superseded (median)', value: median(supersededLat), unit: 'ms', higherIsBetter: false, note: 'sign + POST refused by the SU deep-hash dedupe, counted as delivered' }))
  } finally {
    await devnet.stop()
  }
  return rows
}
export default bench
