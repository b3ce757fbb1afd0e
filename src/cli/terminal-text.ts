// Text from the warehouse (ids, trait values, anything a visitor's browser sent through Segment)
// printed for a person: its control characters are shown as escapes, as JSON shows them. Printed
// raw, an id holding ESC sequences could retitle the terminal, hide lines or rewrite what is
// already on screen, and one holding a newline could forge a line of quorum's own output. Bidi
// overrides (U+202A-E, U+2066-9) are escaped too: they reorder the text around them on screen.
// CSV and JSON output are data for programs and keep the value exact (JSON escapes C0 itself).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function terminalText(text: string): string {
  return text.replace(UNSAFE, (ch) => NAMED[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A value as a person reads it: text as it is (escaped), anything else as JSON. */
export function shownValue(value: unknown): string {
  return terminalText(typeof value === 'string' ? value : JSON.stringify(value));
}
