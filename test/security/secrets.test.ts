// SPEC §8: a secret never appears in output, logs, the state schema or the report, even when a
// destination echoes it back, URL-encoded or in Basic-auth form. A real receiver on 127.0.0.1
// answers every request with 400 and a body that repeats the request's URL (raw and decoded),
// every header and the body; `quorum run` delivers to a Segment and a webhook destination through
// it. Then stdout, stderr (with JSON logs), `history`, `history --json`, the report and every
// row of every state table are searched for each secret in each encoding, and hold none.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childOutput, type ChildOutput } from '../support/child-output.js';
import { cliArgs } from '../support/cli-bundle.js';
import { removeTempDirs, tempDir } from '../sync/support/harness.js';
import { AS_OFS, writeProject } from '../sync/support/project.js';

// Values with characters that URL-encoding, JSON and base64 each write differently.
const SECRETS = {
  WRITE_KEY: 'wk_l1ve/Kx+9"q!z',
  HOOK_KEY: 'hk-9f8e7d6c5b4a/=',
  HOOK_PASSWORD: 'p@ss w0rd:/?#',
  HOOK_TOKEN: 'Bearer tok_4f3e2d1c0b',
  HOOK_SECRET: 'whsec_0123456789abcdef',
} as const;

/** The forms in which a server may echo a secret back, written out independently of quorum's. */
function encodings(secret: string, user = 'hookuser'): string[] {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  return [
    secret,
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    new URLSearchParams({ k: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    b64(secret),
    b64(`${secret}:`),
    b64(`${user}:${secret}`),
    b64(`${user}:${encodeURIComponent(secret)}`),
  ];
}

let server: Server;
let base: string;
let dir: string;
let requests = 0;

function cli(args: readonly string[], project = dir, env: Record<string, string> = {}): Promise<ChildOutput> {
  return childOutput(
    spawn(process.execPath, cliArgs(...args, '--project', project), {
      env: {
        ...process.env,
        QUORUM_HTTP_BACKOFF_MS: '1',
        QUORUM_TEST_WRITE_KEY: SECRETS.WRITE_KEY,
        HOOK_KEY: SECRETS.HOOK_KEY,
        HOOK_PASSWORD: encodeURIComponent(SECRETS.HOOK_PASSWORD),
        HOOK_TOKEN: SECRETS.HOOK_TOKEN,
        HOOK_SECRET: SECRETS.HOOK_SECRET,
        ...env,
      },
    }),
  );
}

async function stateRows(project = dir): Promise<string> {
  const instance = await DuckDBInstance.create(path.join(project, 'warehouse.duckdb'));
  const connection = await instance.connect();
  try {
    const tables = await connection.runAndReadAll(`select table_name from information_schema.tables where table_schema = 'quorum_state'`);
    const names = tables.getRowObjects().map((r) => String(r.table_name));
    expect(names).toEqual(expect.arrayContaining(['outbox', 'runs']));
    const texts: string[] = [];
    for (const name of names) {
      const rows = await connection.runAndReadAll(`select to_json(t)::varchar as row from quorum_state."${name.replaceAll('"', '""')}" t`);
      for (const row of rows.getRowObjects()) texts.push(String(row.row));
    }
    return texts.join('\n');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests += 1;
      const url = req.url ?? '';
      const echo = {
        error: 'rejected, and here is everything you sent',
        url,
        decoded_url: decodeURIComponent(url),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8').slice(0, 2_000),
      };
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      // The credentials first, plainly: the start of a body is what an error message quotes.
      const plain = [req.headers.authorization, req.headers['x-api-token'], url, decodeURIComponent(url)].filter(Boolean);
      res.end(`${plain.join(' ')} ${JSON.stringify(echo)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await tempDir('secrets');
  const hook = `http://hookuser:\${HOOK_PASSWORD}@127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T0/B0?key=\${HOOK_KEY}&v=1`;
  await writeProject(dir, {
    endpoint: `${base}/segment`,
    extraDestinations: { hook2: `{ type: webhook, url: "${hook}", headers: { X-Api-Token: "\${HOOK_TOKEN}" }, secret: "\${HOOK_SECRET}" }` },
    extraTargets: ['- { to: hook2 }'],
  });
});

afterAll(async () => {
  removeTempDirs();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('secrets never leave quorum (SPEC §8)', () => {
  it('appear nowhere after destinations echo them back', async () => {
    const outputs: Record<string, string> = {};
    const first = await cli(['run', '--as-of', AS_OFS[2], '--log-format', 'json']);
    // The destinations refused every batch: the run failed, and says why.
    expect(first.code).toBe(1);
    expect(requests).toBeGreaterThan(0);
    expect(`${first.stdout}${first.stderr}`).toContain('HTTP 400');
    expect(`${first.stdout}${first.stderr}`).toContain('[redacted]');
    outputs['run stdout'] = first.stdout;
    outputs['run stderr'] = first.stderr;
    const json = await cli(['run', '--as-of', AS_OFS[3], '--json', '--log-format', 'json']);
    expect(() => JSON.parse(json.stdout) as unknown).not.toThrow();
    outputs['run --json stdout'] = json.stdout;
    outputs['run --json stderr'] = json.stderr;
    for (const args of [['history'], ['history', '--json']]) {
      const out = await cli(args);
      expect(out.code, out.stderr).toBe(0);
      outputs[`${args.join(' ')} stdout`] = out.stdout;
      outputs[`${args.join(' ')} stderr`] = out.stderr;
    }
    expect(outputs['history --json stdout']).toContain('HTTP 400');
    const report = await cli(['report', '--out', path.join(dir, 'report.html')]);
    expect(report.code, report.stderr).toBe(0);
    outputs['report.html'] = await readFile(path.join(dir, 'report.html'), 'utf8');
    outputs['state tables'] = await stateRows();
    expect(outputs['state tables']).toContain('HTTP 400');

    const leaks: string[] = [];
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (const form of encodings(secret)) {
        for (const [where, text] of Object.entries(outputs)) {
          if (text.includes(form)) leaks.push(`${name} as ${JSON.stringify(form)} in ${where}`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });
});

// Found by an audit on 5 December: only the whole value of a credential field was a secret, so a
// receiver that answered "invalid token <token>" to "Bearer ${TOKEN}", or "Cannot POST <path>" to
// a token in a webhook's path or a Segment endpoint's, put the token in stderr, the summary,
// outbox.last_error and runs.summary. Each variable's value is a secret on its own now, and so is
// a webhook URL's path, written inline or not.
describe('a token that is part of a credential field or a URL', () => {
  const TOKENS = { BEARER_TOKEN: 'tok_S3cretValue42', SLACK_HOOK: 'XsLaCkH00kT0ken', PROXY_TOKEN: 'prx_T0kenInPath' };
  const INLINE_PATH_TOKEN = 'InL1nePathT0ken';
  let receiver: Server;

  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('never appears, whichever part of the value comes back', async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const url = req.url ?? '';
        if (url.startsWith('/bearer')) {
          res.writeHead(401);
          res.end(`invalid token ${String(req.headers.authorization).replace(/^Bearer /, '')}`);
        } else {
          res.writeHead(404, { 'Content-Type': 'text/html' });
          res.end(`<pre>Cannot POST ${url}</pre>`);
        }
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const at = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const project = await tempDir('secrets-parts');
    await writeProject(project, {
      endpoint: `${at}/proxy/\${PROXY_TOKEN}`,
      extraDestinations: {
        bearer: `{ type: webhook, url: "${at}/bearer", headers: { Authorization: "Bearer \${BEARER_TOKEN}" } }`,
        slack: `{ type: webhook, url: "${at}/services/T000/B000/\${SLACK_HOOK}" }`,
        inline: `{ type: webhook, url: "${at}/services/T111/B111/${INLINE_PATH_TOKEN}" }`,
      },
      extraTargets: ['- { to: bearer }', '- { to: slack }', '- { to: inline }'],
    });
    const env = { ...TOKENS, QUORUM_HTTP_ATTEMPTS: '1' };
    const outputs: Record<string, string> = {};
    const run = await cli(['run', '--as-of', AS_OFS[2]], project, env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HTTP 401 (invalid token [redacted])');
    expect(run.stderr).toContain('HTTP 404 (<pre>Cannot POST [redacted]');
    outputs['run stdout'] = run.stdout;
    outputs['run stderr'] = run.stderr;
    const history = await cli(['history', '--json'], project, env);
    expect(history.code, history.stderr).toBe(0);
    outputs['history --json'] = history.stdout;
    outputs['state tables'] = await stateRows(project);
    expect(outputs['state tables']).toContain('HTTP 401');
    const leaks: string[] = [];
    for (const [name, secret] of [...Object.entries(TOKENS), ['inline path token', INLINE_PATH_TOKEN]]) {
      for (const [where, text] of Object.entries(outputs)) if (text.includes(secret)) leaks.push(`${name} in ${where}`);
    }
    expect(leaks).toEqual([]);
  });
});

// Found by an audit on 5 December: a value written inline after a credential key was shown in the
// code frame when the line did not parse, or held a list or a mapping, since no setting came out of
// it to be known as a secret. Each variant goes through `validate --offline` as a child process.
describe('a secret written inline in a quorum.yml that does not parse', () => {
  const inline = 'Secr3tWr1teKey';
  const variants = [`@${inline}`, `[${inline}]`, `{ nested: ${inline} }`, `'ok' junk: ${inline}`];
  it.each(variants)('never shows write_key: %s', async (value) => {
    const project = await tempDir('secrets-inline');
    await writeProject(project, { endpoint: 'http://127.0.0.1:9', noWarehouse: true });
    const yml = path.join(project, 'quorum.yml');
    const text = await readFile(yml, 'utf8');
    await writeFile(yml, text.replace('    write_key: ${QUORUM_TEST_WRITE_KEY}', `    write_key: ${value}`));
    expect(await readFile(yml, 'utf8')).toContain(inline);
    const out = await childOutput(spawn(process.execPath, cliArgs('validate', '--offline', '--project', project)));
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toMatch(/error\[(yaml_syntax|wrong_type|unknown_key|invalid_value)\]/);
    expect(out.stderr).toContain('write_key: [redacted]');
    expect(`${out.stdout}${out.stderr}`).not.toContain(inline);
  });
});
