// The environment as the commands that never connect anywhere read it (`quorum test`, `validate
// --offline`, `compile`): a `${VAR}` of quorum.yml that is not set reads as a placeholder, so
// that CI without the warehouse's or the destinations' secrets can still check a pull request.
// Everything that connects or sends reads the real environment, and an unset variable is missing_env.

export type Env = Readonly<Record<string, string | undefined>>;

export function withPlaceholders(env: Env): Env {
  return new Proxy(env, { get: (target, key) => (typeof key === 'string' ? target[key] || `unset-${key}` : undefined) });
}
