// A double id or key becomes text, and quorum compares that text with what JavaScript's String(n)
// gives the same number (`evaluate`, the reference evaluator). Both DuckDB and Postgres print the
// shortest digits that read back as the same double, as JavaScript does, but choose between plain
// and exponent notation at other magnitudes and write the exponent differently: 1e15 is
// "1000000000000000.0" in DuckDB and "1e+15" in Postgres, 1.5e-7 is "1.5e-07" in both, and
// JavaScript writes "1000000000000000" and "1.5e-7". JavaScript writes plain digits exactly when
// 1e-7 <= |n| < 1e21, exponent notation otherwise, with no padding zeros in the exponent.
// https://tc39.es/ecma262/#sec-numeric-types-number-tostring
// https://duckdb.org/docs/sql/functions/char ; https://www.postgresql.org/docs/current/functions-string.html

/**
 * SQL (for DuckDB and Postgres, which share these string functions) that rewrites `text`, an
 * engine's text of a finite double in exponent notation such as "-1.2345e+17" or "1.5e-07", as
 * JavaScript writes that double. `text` is printed several times, so it should be cheap.
 */
export function exponentTextAsJavaScript(text: string): string {
  const sign = `CASE WHEN left(${text}, 1) = '-' THEN '-' ELSE '' END`;
  const mantissa = `split_part(ltrim(${text}, '-'), 'e', 1)`;
  const exponent = `CAST(split_part(${text}, 'e', 2) AS INTEGER)`;
  const digits = `replace(${mantissa}, '.', '')`;
  // the number of digits before the point in plain notation, when the exponent is 0 or more
  const whole = `(${exponent} + 1)`;
  const exponentForm = `${sign} || ${mantissa} || 'e' || CASE WHEN ${exponent} > 0 THEN '+' ELSE '-' END || CAST(abs(${exponent}) AS VARCHAR)`;
  const large = `CASE WHEN length(${digits}) <= ${whole} THEN ${digits} || repeat('0', ${whole} - length(${digits})) ELSE left(${digits}, ${whole}) || '.' || substr(${digits}, ${whole} + 1) END`;
  const small = `'0.' || repeat('0', -${exponent} - 1) || ${digits}`;
  return `CASE WHEN ${exponent} >= 21 OR ${exponent} <= -7 THEN ${exponentForm} WHEN ${exponent} >= 0 THEN ${sign} || ${large} ELSE ${sign} || ${small} END`;
}
