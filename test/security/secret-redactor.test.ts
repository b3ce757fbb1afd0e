// The redactor on its own: every shape a secret can come back in, and nothing else touched.
import { describe, expect, it } from 'vitest';
import { urlSecrets } from '../../src/secrets/project-secrets.js';
import { REDACTED, SecretRedactor } from '../../src/secrets/secret-redactor.js';

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
});
