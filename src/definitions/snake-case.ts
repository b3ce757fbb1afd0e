// Segment's warehouses name tables and columns with go-snakecase (segment-docs, warehouses/schema):
// this follows its v1.2.0 rules, not a camelCase splitter. A word is a run of capitals and digits
// followed by a run of lower-case letters and digits, so an acronym joins the word after it
// ("OAuth Connected" -> "oauth_connected", "CStringRef" -> "cstring_ref", "2FA Enabled" ->
// "2fa_enabled"); anything else (spaces, punctuation, every non-ASCII character) separates words
// and is dropped. A name that already holds only lower-case letters, digits and single inner
// underscores before a lower-case letter or digit is kept as it is up to its first other
// character, and that prefix decides whether a capital after it starts a new word.
const isLower = (c: string) => c >= 'a' && c <= 'z';
const isUpper = (c: string) => c >= 'A' && c <= 'Z';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isLowerOrDigit = (c: string | undefined) => c !== undefined && (isLower(c) || isDigit(c));
const isUpperOrDigit = (c: string | undefined) => c !== undefined && (isUpper(c) || isDigit(c));

export function snakeCase(text: string): string {
  let at = 0;
  let hasLower = false;
  let hasUnderscore = false;
  let lowerSinceUnderscore = false;
  for (; at < text.length; at += 1) {
    const c = text[at];
    if (isLower(c)) {
      hasLower = true;
      if (hasUnderscore) lowerSinceUnderscore = true;
    } else if (c === '_' && at > 0 && at < text.length - 1 && isLowerOrDigit(text[at + 1])) {
      hasUnderscore = true;
      lowerSinceUnderscore = false;
    } else if (!isDigit(c)) break;
  }
  if (at === text.length) return text;

  let out = text.slice(0, at);
  const word = () => {
    while (isUpperOrDigit(text[at])) out += text[at++].toLowerCase();
    while (isLowerOrDigit(text[at])) out += text[at++];
  };
  // a capital right after a prefix of digits alone (or of digits since its last underscore)
  // continues the prefix's word: "5TEst" -> "5test", "edf_6N" -> "edf_6n"
  if (isUpper(text[at]) && (!hasLower || (hasUnderscore && !lowerSinceUnderscore))) word();
  while (at < text.length) {
    if (!isUpperOrDigit(text[at]) && !isLowerOrDigit(text[at])) {
      at += 1;
      continue;
    }
    if (out.length > 0) out += '_';
    word();
  }
  return out;
}
