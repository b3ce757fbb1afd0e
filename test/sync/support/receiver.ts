// A real HTTP receiver on 127.0.0.1 that speaks Segment's POST /v1/batch, for the sync tests.
// Every call is checked with Segment's own validator (@segment/loosely-validate-event). Faults
// can be switched on: 500s, 429 with Retry-After, slow answers, and dropped connections, either
// before the batch is taken (the call is lost and must be resent) or after (the answer is lost,
// so the resent call is a duplicate with the same messageId).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const validate = require('@segment/loosely-validate-event') as (event: unknown, type?: string) => void;

export interface ReceivedCall {
  readonly [key: string]: unknown;
  readonly type: string;
  readonly messageId: string;
}

export interface Faults {
  /** fraction of requests answered 500 */
  fail?: number;
  /** fraction answered 429 with `Retry-After: retryAfterSeconds` */
  rateLimit?: number;
  retryAfterSeconds?: number;
  /** fraction whose connection is destroyed before the batch is recorded */
  dropBefore?: number;
  /** fraction whose connection is destroyed after the batch is recorded */
  dropAfter?: number;
  /** fraction answered after `slowMs` */
  slow?: number;
  slowMs?: number;
  /** answer every request with this status (a destination that is down) */
  always?: number;
  /** answer 500 to every request after this many batches were taken (a destination that goes down midway) */
  failAfter?: number;
}

export interface Receiver {
  readonly url: string;
  /** Calls in arrival order, per path prefix ("" for /v1/batch, "x" for /x/v1/batch). */
  calls(prefix?: string): ReceivedCall[];
  /** Validation failures; a test expects none. */
  readonly invalid: string[];
  readonly requests: { prefix: string; status: number; at: number; headers: IncomingMessage['headers'] }[];
  faults: Faults;
  /** Pseudo-random but reproducible fault decisions. */
  seed: number;
  expectedAuth: string | null;
  close(): Promise<void>;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startReceiver(options: { writeKey?: string; faults?: Faults; seed?: number } = {}): Promise<Receiver> {
  const received = new Map<string, ReceivedCall[]>();
  const invalid: string[] = [];
  const requests: Receiver['requests'] = [];
  let random = mulberry32(options.seed ?? 7);
  const state = {
    faults: options.faults ?? {},
    expectedAuth: options.writeKey === undefined ? null : `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/?(.*?)\/?v1\/batch$/.exec(req.url ?? '');
    const prefix = match ? match[1].replace(/\/$/, '') : '';
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ prefix, status, at: Date.now(), headers: req.headers });
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || !match) return answer(404, { error: 'not found' });
    if (state.expectedAuth !== null && req.headers.authorization !== state.expectedAuth) return answer(401, { error: 'bad write key' });
    const f = state.faults;
    if (f.always) return answer(f.always, { error: 'down' });
    if (f.failAfter !== undefined && requests.filter((r) => r.status === 200).length >= f.failAfter) return answer(500, { error: 'went down' });
    const roll = random();
    let edge = 0;
    if (roll < (edge += f.dropBefore ?? 0)) {
      requests.push({ prefix, status: -1, at: Date.now(), headers: req.headers });
      req.socket.destroy();
      return;
    }
    if (roll < (edge += f.fail ?? 0)) return answer(500, { error: 'boom' });
    if (roll < (edge += f.rateLimit ?? 0)) return answer(429, { error: 'slow down' }, { 'Retry-After': String(f.retryAfterSeconds ?? 1) });
    const slow = roll < (edge += f.slow ?? 0);
    // the edges are cumulative: a slow answer is not also a dropped one
    const dropAfter = !slow && roll < (edge += f.dropAfter ?? 0);
    let body: { batch?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { batch?: unknown };
    } catch {
      invalid.push('a request body that is not JSON');
      return answer(400, { error: 'bad json' });
    }
    if (!Array.isArray(body.batch)) {
      invalid.push('a request without a batch array');
      return answer(400, { error: 'no batch' });
    }
    if (Buffer.concat(chunks).length > 500 * 1024) invalid.push(`a batch of ${Buffer.concat(chunks).length} bytes`);
    if (body.batch.length > 2500) invalid.push(`a batch of ${body.batch.length} calls`);
    const list = received.get(prefix) ?? [];
    received.set(prefix, list);
    for (const call of body.batch as ReceivedCall[]) {
      try {
        validate({ ...call, timestamp: new Date(String(call.timestamp)) });
        if (Number.isNaN(Date.parse(String(call.timestamp)))) throw new Error('timestamp is not a date');
        if (typeof call.messageId !== 'string' || call.messageId.length >= 100) throw new Error('messageId missing or too long');
      } catch (cause) {
        invalid.push(`${JSON.stringify(call).slice(0, 200)}: ${(cause as Error).message}`);
      }
      list.push(call);
    }
    if (slow) await new Promise((resolve) => setTimeout(resolve, f.slowMs ?? 200));
    if (dropAfter) {
      requests.push({ prefix, status: -2, at: Date.now(), headers: req.headers });
      req.socket.destroy();
      return;
    }
    answer(200, { success: true });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((cause) => {
      invalid.push(`receiver error: ${String(cause)}`);
      res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: (prefix = '') => [...(received.get(prefix) ?? [])],
    invalid,
    requests,
    get faults() {
      return state.faults;
    },
    set faults(value: Faults) {
      state.faults = value;
    },
    get seed() {
      return 0;
    },
    set seed(value: number) {
      random = mulberry32(value);
    },
    get expectedAuth() {
      return state.expectedAuth;
    },
    set expectedAuth(value: string | null) {
      state.expectedAuth = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
