// The destinations against real HTTP servers on 127.0.0.1: retries, Retry-After, no retry on
// other 4xx, signatures, NDJSON files, batch limits, and no secret in any error message.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { batchBody, DeliveryError, SEGMENT_LIMITS } from '../../src/destinations/destination.js';
import { openDestination } from '../../src/destinations/open-destination.js';
import { backoffMs, DEFAULT_RETRY, retryAfterMs } from '../../src/destinations/http-post.js';
import { SIGNATURE_HEADER } from '../../src/destinations/webhook-destination.js';
import { callJson, expandCall, type CallRecord, type SegmentCall } from '../../src/sync/calls.js';
import { OutboxBatcher } from '../../src/sync/outbox-batches.js';
import type { OutboxRow } from '../../src/sync/outbox-rows.js';
import { removeTempDirs, tempDir } from '../sync/support/harness.js';

const SECRET_KEY = 'wk_live_DO_NOT_LEAK_123';
/** The project folder of the HTTP destinations' tests, which write no file. */
const NO_FILES = tmpdir();
const FAST = { attempts: 4, baseDelayMs: 10, maxDelayMs: 2_000, timeoutMs: 300 };

type Reply = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number; drop?: boolean };

const servers: { close: () => void }[] = [];
afterAll(() => removeTempDirs());
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function server(replies: Reply[]): Promise<{ url: string; seen: { at: number; body: string; headers: IncomingMessage['headers']; url: string }[] }> {
  const seen: { at: number; body: string; headers: IncomingMessage['headers']; url: string }[] = [];
  const s = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    seen.push({ at: Date.now(), body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, url: req.url ?? '' });
    const reply = replies[Math.min(seen.length - 1, replies.length - 1)];
    if (reply.drop) return req.socket.destroy();
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    res.writeHead(reply.status, reply.headers ?? {});
    res.end(reply.body ?? '{}');
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => { s.closeAllConnections(); s.close(); } });
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
}

const call = (i: number, extra: Partial<SegmentCall> = {}): SegmentCall => ({
  type: 'identify',
  messageId: `m${i}`,
  timestamp: '2024-06-01T00:00:00.000Z',
  userId: `u${i}`,
  traits: { a: true },
  context: {},
  integrations: {},
  ...extra,
});

describe('segment destination', () => {
  it('POSTs /v1/batch with Basic auth and retries 500, dropped connections and timeouts', async () => {
    const s = await server([{ status: 500 }, { status: 200, drop: true }, { status: 200, delayMs: 1_000 }, { status: 200 }]);
    const d = openDestination('crm', { type: 'segment', writeKey: SECRET_KEY, endpoint: s.url, groupIdentity: 'anonymous' }, NO_FILES, { retry: FAST });
    await d.send([call(1), call(2)]);
    expect(s.seen.length).toBe(4);
    expect(s.seen.every((r) => r.url === '/v1/batch')).toBe(true);
    expect(s.seen[3].headers.authorization).toBe(`Basic ${Buffer.from(`${SECRET_KEY}:`).toString('base64')}`);
    const body = JSON.parse(s.seen[3].body) as { batch: SegmentCall[]; sentAt: string };
    expect(body.batch.map((c) => c.messageId)).toEqual(['m1', 'm2']);
    expect(Date.parse(body.sentAt)).not.toBeNaN();
  });

  it('waits as long as Retry-After asks on a 429', async () => {
    const s = await server([{ status: 429, headers: { 'Retry-After': '1' } }, { status: 200 }]);
    const d = openDestination('crm', { type: 'segment', writeKey: SECRET_KEY, endpoint: s.url, groupIdentity: 'anonymous' }, NO_FILES, { retry: FAST });
    await d.send([call(1)]);
    expect(s.seen[1].at - s.seen[0].at).toBeGreaterThanOrEqual(950);
  });

  it('leaves a long Retry-After to the next run, and does not retry other 4xx', async () => {
    const slow = await server([{ status: 429, headers: { 'Retry-After': '3600' } }]);
    const d1 = openDestination('crm', { type: 'segment', writeKey: SECRET_KEY, endpoint: slow.url, groupIdentity: 'anonymous' }, NO_FILES, { retry: FAST });
    await expect(d1.send([call(1)])).rejects.toThrow(/HTTP 429.*Retry-After asks for 3600s/);
    expect(slow.seen.length).toBe(1);
    const bad = await server([{ status: 400, body: `{"error":"bad key ${SECRET_KEY}"}` }]);
    const d2 = openDestination('crm', { type: 'segment', writeKey: SECRET_KEY, endpoint: bad.url, groupIdentity: 'anonymous' }, NO_FILES, { retry: FAST });
    const error = (await d2.send([call(1)]).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(DeliveryError);
    expect(bad.seen.length).toBe(1);
    expect(error.message).toContain('HTTP 400');
    expect(error.message).not.toContain(SECRET_KEY); // echoed by the server, redacted by quorum
    expect(error.message).not.toContain(bad.url);
  });

  it('gives up after the attempts with a message that names no secret', async () => {
    const s = await server([{ status: 503 }]);
    const d = openDestination('crm', { type: 'segment', writeKey: SECRET_KEY, endpoint: s.url, groupIdentity: 'anonymous' }, NO_FILES, { retry: FAST });
    const error = (await d.send([call(1)]).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('destination "crm": HTTP 503 ({}) after 4 attempts');
    expect(s.seen.length).toBe(4);
    const closed = await server([{ status: 200 }]);
    servers.pop()!.close(); // a port nobody listens on any more
    const refused = openDestination('crm', { type: 'segment', writeKey: SECRET_KEY, endpoint: closed.url, groupIdentity: 'anonymous' }, NO_FILES, { retry: FAST });
    const network = (await refused.send([call(1)]).catch((e: unknown) => e)) as Error;
    expect(network.message).toMatch(/^destination "crm": network error ECONNREFUSED after 4 attempts$/);
  });
});

describe('webhook destination', () => {
  it('signs the exact body with HMAC-SHA256 and sends the configured headers', async () => {
    const s = await server([{ status: 204 }]);
    const d = openDestination('hook', { type: 'webhook', url: `${s.url}/in`, headers: { 'X-Token': 'tok_secret' }, secret: 'shh' }, NO_FILES, { retry: FAST });
    await d.send([call(1)]);
    const [req] = s.seen;
    expect(req.url).toBe('/in');
    expect(req.headers['x-token']).toBe('tok_secret');
    expect(req.headers[SIGNATURE_HEADER.toLowerCase()]).toBe(`sha256=${createHmac('sha256', 'shh').update(req.body).digest('hex')}`);
    expect((JSON.parse(req.body) as { batch: unknown[] }).batch.length).toBe(1);
  });
});

// Found by an audit on 5 December: only the first 4 KB of an error body is read, and a secret that
// straddled the cut was shown in part ("HTTP 400 ( token=sk_live_0123456789ab)"): no pattern
// matches half a secret. The receiver writes the body the way the audit's did, in two parts.
describe('an error body longer than what is read', () => {
  const TOKEN = 'sk_live_0123456789abcdefghij';

  async function splitter(): Promise<string> {
    const s = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const pad = Number(/\/pad\/(\d+)/.exec(req.url ?? '')?.[1]);
        const first = `${' '.repeat(pad)}token=${TOKEN.slice(0, TOKEN.length / 2)}`;
        res.writeHead(400);
        res.write(first);
        setTimeout(() => res.end(`${TOKEN.slice(TOKEN.length / 2)} rejected ${'x'.repeat(300)}`), pad === 4200 ? 200 : 0);
      });
    });
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => { s.closeAllConnections(); s.close(); } });
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }

  const leaked = (message: string) => Array.from({ length: TOKEN.length - 3 }, (_, i) => TOKEN.slice(0, i + 4)).filter((prefix) => message.includes(prefix));

  it('shows no part of a secret cut at the end, wherever the cut falls', async () => {
    const base = await splitter();
    // The audit's body, then the token starting at every offset around the first 4 KB.
    const pads = [4200, ...Array.from({ length: 140 }, (_, i) => 4000 + i)];
    for (const pad of pads) {
      const d = openDestination('hook', { type: 'webhook', url: `${base}/pad/${pad}`, headers: { 'X-Token': TOKEN }, secret: null }, NO_FILES, { retry: { ...FAST, attempts: 1 } });
      const error = (await d.send([call(1)]).catch((e: unknown) => e)) as Error;
      expect(error.message, `pad ${pad}`).toMatch(/^destination "hook": HTTP 400( \(\S[^)]*\))?$/);
      expect(leaked(error.message), `pad ${pad}: ${error.message}`).toEqual([]);
    }
  });

  it('still quotes the start of a long body', async () => {
    const s = await server([{ status: 400, body: `invalid batch: ${'y'.repeat(20_000)}` }]);
    const d = openDestination('hook', { type: 'webhook', url: s.url, headers: { 'X-Token': TOKEN }, secret: null }, NO_FILES, { retry: FAST });
    const error = (await d.send([call(1)]).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(`destination "hook": HTTP 400 (invalid batch: ${'y'.repeat(185)})`);
  });
});

describe('file and stdout destinations', () => {
  it('appends NDJSON, one call a line', async () => {
    const dir = await tempDir('file');
    const file = path.join(dir, 'out', 'calls.ndjson');
    const d = openDestination('audit', { type: 'file', path: file }, dir);
    await d.send([call(1), call(2)]);
    await d.send([call(3)]);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as SegmentCall).messageId);
    expect(lines).toEqual(['m1', 'm2', 'm3']);
  });

  // A crash mid-write leaves a call cut short at the end of the file; its batch was never
  // acknowledged, so it is sent again whole. Appending after the fragment glued the next call onto it.
  it('cuts a torn last line back to the last newline before appending, and leaves a whole line alone', async () => {
    const dir = await tempDir('file-torn');
    const file = path.join(dir, 'calls.ndjson');
    const whole = JSON.stringify(call(0));
    const torn = JSON.stringify(call(1));
    const cases = [
      { before: `${whole}\n${torn.slice(0, -100)}`, kept: ['m0'] },
      // no newline at all: the first batch's write was torn
      { before: torn.slice(0, 50), kept: [] },
      // a fragment longer than one read back from the end
      { before: `${whole}\n${'x'.repeat(200_000)}`, kept: ['m0'] },
      { before: `${whole}\n`, kept: ['m0'] },
    ];
    for (const { before, kept } of cases) {
      await writeFile(file, before);
      const d = openDestination('audit', { type: 'file', path: file }, dir);
      await d.send([call(1), call(2)]);
      const text = await readFile(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(text.slice(0, -1).split('\n').map((l) => (JSON.parse(l) as SegmentCall).messageId)).toEqual([...kept, 'm1', 'm2']);
    }
  });
});

// The batching delivery really uses (src/sync/outbox-batches.ts), one page at a time.
describe('batching', () => {
  const row = (i: number, size = 0, entity = `u${i}`) => ({
    message_id: `m${i}`,
    sequence: i,
    entity_id: entity,
    payload: JSON.stringify({
      type: 'identify', class: 'trait', key: 't', computation_id: 'trt_x', transition: 'changed', user_id: `u${i}`, anonymous_id: null, group_id: null,
      event: null, value: JSON.stringify('x'.repeat(size)), columns: false, as_of: '2024-06-01T00:00:00.000Z', run_id: 'r', namespace: 'quorum', space_id: 'quorum',
    }),
  });

  const toBatches = (rows: readonly OutboxRow[], { limits }: { limits: typeof SEGMENT_LIMITS }) => {
    const page = new OutboxBatcher(limits).deal(rows);
    const batches = page.batches.map(({ batch }) => ({ ...batch, first: batch.sequences[0], last: batch.sequences[batch.sequences.length - 1] }));
    return { batches, rejected: page.rejected };
  };

  it('keeps batches under 2,500 calls and 500 KB, and sets aside calls over 32 KB', () => {
    const many = Array.from({ length: 6_000 }, (_, i) => row(i));
    const { batches } = toBatches(many, { limits: SEGMENT_LIMITS });
    // ~370-byte calls: 500 KB binds before 2,500 calls
    const body = (calls: readonly string[]) => batchBody(calls, { sentAt: new Date().toISOString(), context: { library: { name: 'quorum', version: '0.0.0' } } });
    for (const b of batches) expect(Buffer.byteLength(body(b.calls))).toBeLessThan(500 * 1024);
    expect(batches.flatMap((b) => b.calls.map((c) => (JSON.parse(c) as SegmentCall).messageId))).toEqual(many.map((r) => r.message_id));
    expect(batches.every((b, i) => i === 0 || b.first === batches[i - 1].last + 1)).toBe(true);
    const counted = toBatches(many, { limits: { ...SEGMENT_LIMITS, maxCalls: 1000 } });
    expect(counted.batches.map((b) => b.calls.length)).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
    const big = Array.from({ length: 60 }, (_, i) => row(i, 20_000));
    const sized = toBatches(big, { limits: SEGMENT_LIMITS });
    for (const b of sized.batches) expect(Buffer.byteLength(body(b.calls))).toBeLessThan(500 * 1024);
    expect(sized.batches.reduce((n, b) => n + b.calls.length, 0)).toBe(60);
    const huge = toBatches([row(1), row(2, 40_000), row(3)], { limits: SEGMENT_LIMITS });
    expect(huge.rejected.map((r) => r.messageId)).toEqual(['m2']);
    expect(huge.batches[0]).toMatchObject({ first: 1, last: 3 });
    // A quorum call is over 200 bytes, so 500 KB binds first; without it, 2,500 calls a batch do.
    const roomy = toBatches(many.slice(0, 5_001), { limits: { ...SEGMENT_LIMITS, maxBatchBytes: 10 * 1024 * 1024 } });
    expect(roomy.batches.map((b) => b.calls.length)).toEqual([2500, 2500, 1]);
  });

  it("a file destination's page of 2,500 calls of 1.4 KB is one batch (one fsync), where Segment's 500 KB makes seven", () => {
    const page = Array.from({ length: 2_500 }, (_, i) => row(i, 1_000));
    const file = openDestination('audit', { type: 'file', path: path.join(tmpdir(), 'never-written.ndjson') }, tmpdir());
    expect(toBatches(page, { limits: file.limits }).batches.map((b) => b.calls.length)).toEqual([2500]);
    expect(toBatches(page, { limits: SEGMENT_LIMITS }).batches).toHaveLength(7);
    // QUORUM_BATCH_MAX_CALLS still caps a file's batches
    const capped = openDestination('audit', { type: 'file', path: path.join(tmpdir(), 'never-written.ndjson') }, tmpdir(), { maxCalls: 1_000 });
    expect(toBatches(page, { limits: capped.limits }).batches.map((b) => b.calls.length)).toEqual([1000, 1000, 500]);
  });

  it('deals calls into lanes by entity, in order, across pages, and holds an entity behind a corrupt call', () => {
    const batcher = new OutboxBatcher({ ...SEGMENT_LIMITS, maxCalls: 7 }, 4);
    const entities = ['a', 'b', 'c', 'd', 'e', 'f'];
    const rows = Array.from({ length: 120 }, (_, i) => row(i, 0, entities[i % entities.length]));
    rows[13] = { ...rows[13], payload: '{"type": "identify"' }; // entity b
    const pages = [batcher.deal(rows.slice(0, 50), (_, i) => i), batcher.deal(rows.slice(50), (_, i) => 50 + i)];
    const laneOfEntity = new Map<string, number>();
    const sent = new Map<string, number[]>();
    for (const { lane, batch } of pages.flatMap((p) => p.batches)) {
      expect(batch.calls.length).toBeLessThanOrEqual(7);
      batch.sequences.forEach((sequence, k) => {
        const entity = rows[sequence].entity_id;
        expect(laneOfEntity.get(entity) ?? lane, `entity ${entity} changed lanes`).toBe(lane);
        laneOfEntity.set(entity, lane);
        sent.set(entity, [...(sent.get(entity) ?? []), sequence]);
        expect(batch.positions[k]).toBe(sequence);
        expect((JSON.parse(batch.calls[k]) as SegmentCall).messageId).toBe(`m${sequence}`);
      });
    }
    for (const [entity, sequences] of sent) expect(sequences, entity).toEqual([...sequences].sort((x, y) => x - y));
    expect(new Set(laneOfEntity.values()).size).toBeGreaterThan(1);
    // b's corrupt call (13) is held and named; b's later calls wait behind it; every other call goes.
    const held = pages.flatMap((p) => p.held);
    expect(held[0]).toMatchObject({ sequence: 13, corrupt: "its payload is not JSON" });
    expect(held.slice(1).map((h) => h.sequence)).toEqual(rows.filter((r, i) => r.entity_id === 'b' && i > 13).map((r) => r.sequence));
    expect(held.every((h, i) => i === 0 || h.corrupt === null)).toBe(true);
    expect(sent.get('b')).toEqual([1, 7]);
    expect([...sent.values()].flat().length + held.length).toBe(120);
    expect(batcher.held.within(0, 20)).toEqual([13, 19]);
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter, capped, and reads both Retry-After forms', () => {
    const delays = [0, 1, 2, 3, 10].map((a) => backoffMs(DEFAULT_RETRY, a, () => 1));
    expect(delays).toEqual([500, 1000, 2000, 4000, 30000]);
    expect(backoffMs(DEFAULT_RETRY, 2, () => 0)).toBe(1000);
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs(new Date(Date.now() + 5_000).toUTCString())).toBeGreaterThan(3_000);
    expect(retryAfterMs(null)).toBeNull();
  });
});

describe('callJson', () => {
  it('is byte for byte JSON.stringify(expandCall(...)) for every call shape', () => {
    const base = { class: 'audience', key: 'a', computation_id: 'aud_x', transition: 'entered', user_id: 'u"1', anonymous_id: null, group_id: null, event: null, value: null, columns: false, as_of: '2024-06-01T00:00:00.000Z', run_id: 'r1', namespace: 'ns', space_id: 'sp' } as const;
    const records: CallRecord[] = [
      { ...base, type: 'identify' },
      { ...base, type: 'track', event: 'Audience Entered', group_id: 'g1' },
      { ...base, type: 'group', transition: 'exited', user_id: null, anonymous_id: 'account:g 😀', group_id: 'g 😀' },
      { ...base, type: 'identify', class: 'trait', key: 't', transition: 'changed', value: '{"x":1.5,"y":null}', columns: true },
      { ...base, type: 'track', class: 'trait', key: 't', event: 'Trait Computed', transition: 'exited', value: null },
      { ...base, type: 'group', class: 'trait', key: 't', value: '"v"', user_id: null, anonymous_id: 'account:g', group_id: 'g' },
    ];
    for (const r of records) expect(callJson(r, 'quorum-1')).toBe(JSON.stringify(expandCall(r, 'quorum-1')));
  });
});
