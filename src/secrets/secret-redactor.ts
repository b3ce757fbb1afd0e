// The one place that knows the project's secrets and removes them from text (SPEC §8). A secret
// reaches text in more shapes than it was written in: a server that echoes a request back may
// URL-encode it (either case of hex, some characters or all), JSON-escape it (`\/`, `\u002f`),
// HTML-escape it or show the Authorization header, whose Basic credentials are base64 of
// "user:secret" at any byte alignment. Escapers differ in which characters they touch, so each
// character of a secret is matched in any of its forms rather than each whole form listed; every
// secret becomes one alternative of a single regular expression, so redacting a message is one
// pass whatever the number of secrets.

export const REDACTED = '[redacted]';
/** Shorter values would redact ordinary words; credential fields are never this short in practice. */
export const MIN_SECRET_LENGTH = 4;
/** Below this, a base64 fragment of a secret is too short to tell from other base64 text. */
const MIN_BASE64_FRAGMENT = 8;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Hex digits as servers write them, upper or lower case: `%2F`, `%2f`, `\u002F`. */
const hexPattern = (value: number, width: number) =>
  value.toString(16).padStart(width, '0').replace(/[a-f]/g, (digit) => `[${digit}${digit.toUpperCase()}]`);
const HTML_NAMED: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** The regular expression of every form in which one character of a secret may come back. */
function characterPattern(character: string): string {
  // Letters and digits pass through every escaper unchanged.
  if (/^[A-Za-z0-9]$/.test(character)) return character;
  const forms = new Set<string>([escapeRegExp(character)]);
  const json = JSON.stringify(character).slice(1, -1);
  forms.add(escapeRegExp(json));
  forms.add(escapeRegExp(JSON.stringify(json).slice(1, -1)));
  if (character === '/') forms.add(escapeRegExp('\\/'));
  if (character === ' ') forms.add(escapeRegExp('+'));
  const units = Array.from({ length: character.length }, (_, i) => character.charCodeAt(i));
  forms.add(units.map((unit) => `\\\\u${hexPattern(unit, 4)}`).join(''));
  forms.add([...Buffer.from(character, 'utf8')].map((byte) => `%${hexPattern(byte, 2)}`).join(''));
  forms.add(`&#0*${character.codePointAt(0)};`);
  forms.add(`&#[xX]0*${hexPattern(character.codePointAt(0)!, 1)};`);
  if (HTML_NAMED[character]) forms.add(HTML_NAMED[character]);
  return `(?:${[...forms].join('|')})`;
}

/** The regular expression of a secret written raw or with any mix of URL, JSON and HTML escapes. */
export function secretPattern(secret: string): string {
  return [...secret].map(characterPattern).join('');
}

/** The base64 texts that hold `secret`, alone or inside a longer base64 text. */
export function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set<string>([bytes.toString('base64'), bytes.toString('base64url')]);
  // Inside a longer base64 text (Basic "user:secret", "secret:"), the secret's bytes start at any
  // of three offsets of a 3-byte group; the characters of the groups it fills alone are the same
  // whatever surrounds it.
  for (let skip = 0; skip < 3; skip++) {
    const whole = bytes.subarray(skip, skip + Math.floor((bytes.length - skip) / 3) * 3);
    for (const fragment of [whole.toString('base64'), whole.toString('base64url')]) {
      if (fragment.length >= MIN_BASE64_FRAGMENT) forms.add(fragment);
    }
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/**
 * At least the length of the longest form in which `secret` can come back: a letter or digit is
 * itself, any other character at most 12 characters (`%F0%9F%94%91`, `\ud83d\udd11`).
 */
export function longestForm(secret: string): number {
  let escaped = 0;
  for (const character of secret) escaped += /^[A-Za-z0-9]$/.test(character) ? 1 : 12;
  return Math.max(escaped, Math.ceil((Buffer.byteLength(secret, 'utf8') * 4) / 3) + 4);
}

export class SecretRedactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;
  /** The length of the longest form of any secret: text cut short may end in a prefix of one this long. */
  longestForm = 0;

  /** Adds secrets (values of credential fields); short or empty values are ignored. */
  add(secrets: Iterable<string | null | undefined>): void {
    let changed = false;
    for (const secret of secrets) {
      if (typeof secret !== 'string' || secret.trim().length < MIN_SECRET_LENGTH || this.secrets.has(secret)) continue;
      this.secrets.add(secret);
      this.longestForm = Math.max(this.longestForm, longestForm(secret));
      changed = true;
    }
    if (!changed) return;
    // Longest first, so that a secret that holds a shorter one is redacted whole.
    const alternatives: { length: number; pattern: string }[] = [];
    for (const secret of this.secrets) {
      alternatives.push({ length: secret.length, pattern: secretPattern(secret) });
      for (const form of base64Forms(secret)) alternatives.push({ length: form.length, pattern: escapeRegExp(form) });
    }
    alternatives.sort((a, b) => b.length - a.length);
    this.pattern = new RegExp([...new Set(alternatives.map((a) => a.pattern))].join('|'), 'g');
  }

  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    if (this.pattern === null || text.length === 0) return text;
    return text.replace(this.pattern, REDACTED);
  }

  /**
   * Redacts the part of `text` before offset `end`, for text that was cut short: what follows
   * `end` may hold the start of a secret, which no pattern matches, and is dropped; a secret that
   * starts before `end` and runs past it is redacted whole.
   */
  redactBefore(text: string, end: number): string {
    if (this.pattern === null) return text.slice(0, end);
    let kept = '';
    let last = 0;
    for (const match of text.matchAll(this.pattern)) {
      if (match.index >= end) break;
      kept += `${text.slice(last, match.index)}${REDACTED}`;
      last = match.index + match[0].length;
    }
    return kept + text.slice(last, Math.max(last, end));
  }

  /** A redactor of these secrets and `more`. */
  with(more: Iterable<string>): SecretRedactor {
    const both = new SecretRedactor();
    both.add(this.secrets);
    both.add(more);
    return both;
  }

  /** Redacts every string inside a JSON-like value (for rows and summaries before they are stored). */
  redactValue<T>(value: T): T {
    if (this.pattern === null) return value;
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => this.redactValue(v)) as T;
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactValue(v)])) as T;
    }
    return value;
  }
}

/**
 * The process's redactor: every loaded project adds its secrets, and every path out of the process
 * (the guarded stdout and stderr, the state's error columns, the report) goes through it.
 */
export const secrets = new SecretRedactor();

export function redactSecrets(text: string): string {
  return secrets.redact(text);
}

type Write = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;
const guarded = new WeakSet<NodeJS.WritableStream>();

/**
 * Makes every write to `stream` pass through the redactor. Whatever writes there (quorum's own
 * printing, its logger, a dependency's console output) cannot put a known secret on the terminal.
 */
export function guardStream(stream: NodeJS.WritableStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  const original = stream.write.bind(stream) as Write;
  const write: Write = (chunk, encoding, callback) => {
    if (secrets.size === 0) return original(chunk, encoding, callback);
    if (typeof chunk === 'string') return original(secrets.redact(chunk), encoding, callback);
    if (chunk instanceof Uint8Array) {
      const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
      const clean = secrets.redact(text);
      return original(clean === text ? chunk : Buffer.from(clean, 'utf8'), encoding, callback);
    }
    return original(chunk, encoding, callback);
  };
  (stream as unknown as { write: Write }).write = write;
}
