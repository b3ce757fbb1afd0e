// Segment's warehouses name tables and columns with go-snakecase: words are runs of ASCII
// letters and digits, split at camelCase humps; digits stay with the word before them
// ("Base64Encode" -> "base64_encode"); everything else is a separator and is dropped.
const WORD = /[A-Z]+[0-9]*(?![a-z])|[A-Z]?[a-z]+[0-9]*|[0-9]+/g;

export function snakeCase(text: string): string {
  return (text.match(WORD) ?? []).map((word) => word.toLowerCase()).join('_');
}
