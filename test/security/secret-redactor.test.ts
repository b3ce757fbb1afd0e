// The redactor on its own: every shape a secret can come back in, and nothing else touched.
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProject } from '../../src/definitions/load-project.js';
import { formatDiagnostics } from '../../src/diagnostics/format.js';
import { secretsOfSetting, urlSecrets } from '../../src/secrets/project-secrets.js';
import { REDACTED, SecretRedactor, redactSecrets } from '../../src/secrets/secret-redactor.js';
import { dialectNamed } from '../../dialects/registry.js';

const SECRET = 'k3y/with+sp ce"and:colon';

function redactor(...secrets: string[]): SecretRedactor {
  const r = new SecretRedactor();
  r.add(secrets);
  return r;
}

describe('SecretRedactor', () => {
  it('removes the secret raw, URL-encoded, form-encoded, JSON-escaped and HTML-escaped', () => {
    const r = redactor(SECRET);
    for (const form of [SECRET, encodeURIComponent(SECRET), encodeURIComponent(SECRET).toLowerCase(), new URLSearchParams({ a: SECRET }).toString().slice(2), JSON.stringify(SECRET).slice(1, -1), SECRET.replace(/"/g, '&quot;')]) {
      expect(r.redact(`before ${form} after`)).toBe(`before ${REDACTED} after`);
    }
  });

  // Found by an audit on 5 December: PHP's and Java's JSON write "/" as "\\/", others write
  // "\\u002f" or "\\u002F", and a percent-encoder may use either case of hex, or mix escaped and
  // raw characters; none of these were matched.
  it('removes the secret under any mix of JSON escapes and percent-encoding in either case', () => {
    const secret = 'sk/live+key=a&b<c';
    const r = redactor(secret);
    const unicode = (c: string, upper: boolean) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`;
    const forms = [
      JSON.stringify(secret).slice(1, -1).replace(/\//g, '\\/'),
      secret.replace(/[^A-Za-z0-9]/g, (c) => unicode(c, false)),
      secret.replace(/[^A-Za-z0-9]/g, (c) => unicode(c, true)),
      secret.replace(/[<>&]/g, (c) => unicode(c, false)),
      encodeURIComponent(secret).replace('%2B', '%2b'),
      secret.replace('/', '%2f').replace('=', '%3D'),
    ];
    for (const form of forms) {
      expect(form).not.toBe(secret);
      expect(r.redact(`{"error":"bad key ${form}"}`), form).toBe(`{"error":"bad key ${REDACTED}"}`);
    }
  });

  it('finds the secret inside base64 text at any alignment (Basic auth of any user name)', () => {
    const r = redactor(SECRET);
    for (const user of ['', 'a', 'ab', 'abc', 'a-longer-user']) {
      for (const text of [`${user}:${SECRET}`, `${SECRET}:${user}`, `${user}${SECRET}`]) {
        const b64 = Buffer.from(text).toString('base64');
        const out = r.redact(`Authorization: Basic ${b64}`);
        expect(out, text).toContain(REDACTED);
        // What is left of the base64 cannot be decoded back to the secret.
        expect(Buffer.from(out.replace(/.*Basic /, '').replace(REDACTED, ''), 'base64').toString('utf8')).not.toContain(SECRET);
      }
    }
  });

  it('leaves text without secrets alone and ignores values too short to be credentials', () => {
    const r = redactor('abc', '', SECRET);
    expect(r.redact('abc and other words')).toBe('abc and other words');
    expect(r.redactValue({ errors: [`x ${SECRET}`], n: 3 })).toEqual({ errors: [`x ${REDACTED}`], n: 3 });
  });

  it("takes a URL's userinfo, password and query values, but not its settings", () => {
    const found = urlSecrets('postgres://me:p%40ss@db.example.com:5432/app?sslmode=require&sslpassword=hunter22');
    expect(found).toEqual(expect.arrayContaining(['me:p%40ss', 'p%40ss', 'p@ss', 'sslmode=require&sslpassword=hunter22', 'hunter22']));
    expect(found).not.toContain('require');
    expect(found).not.toContain('me');
  });

  it("keeps a connection URL's user name without a password out, and an HTTP URL's in (a token)", () => {
    // a Postgres role named quorum would blank the word "quorum" in every message of the process
    expect(urlSecrets('postgres://quorum@db.example.com/app', { userIsName: true })).toEqual([]);
    expect(urlSecrets('postgres://quorum:hunter22@db.example.com/app', { userIsName: true })).toEqual(expect.arrayContaining(['quorum:hunter22', 'hunter22']));
    expect(urlSecrets('https://tok3n-abcdef@hooks.example.com/x')).toEqual(['tok3n-abcdef']);
    expect(secretsOfSetting('url', 'the warehouse "url"', 'postgres://quorum@db.example.com/app')).toEqual([]);
    expect(secretsOfSetting('url', 'destination "hook"', 'https://tok3n-abcdef@hooks.example.com/x')).toContain('tok3n-abcdef');
  });

  it('knows an inline secret of a quorum.yml that has errors, before its diagnostic is shown', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'quorum-inline-secret-'));
    try {
      const key = 'inl1ne-s3cret-key';
      await fs.writeFile(path.join(dir, 'quorum.yml'), `destinations:\n  hook: { type: webhook, url: "htp://hooks.example.com/x?key=${key}", headers: { X-Token: tok-${key} } }\n  crm: { type: segment, write_key: wk-${key}, endpoint: nope }\n`);
      const loaded = await loadProject(dir, { env: {}, dialects: dialectNamed });
      expect(loaded.project).toBeNull();
      const shown = redactSecrets(formatDiagnostics(loaded.diagnostics, dir));
      expect(shown).toContain('not an http(s) URL');
      expect(shown).not.toContain(key);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
