// The environment as the commands that never connect anywhere read it (`quorum test`, `validate
// --offline`, `compile`): a `${VAR}` of quorum.yml that is not set reads as a placeholder, so
// that CI without the warehouse's or the destinations' secrets can still check a pull request.
// Everything that connects or sends reads the real environment, and an unset variable is missing_env.
// The placeholder is a plain name (letters, digits, "_"), so that `source.schema: ${SCHEMA}` passes
// the name check and the SQL of `quorum test` and `compile` can use it; a URL cannot be one, so its
// form is not checked where a placeholder stands in (parse-config.ts).

export type Env = Readonly<Record<string, string | undefined>>;

/** Each placeholder environment and the real one behind it. */
const realEnvironments = new WeakMap<Env, Env>();

export function withPlaceholders(env: Env): Env {
  const placeholders = new Proxy(env, { get: (target, key) => (typeof key === 'string' ? target[key] || `unset_${key}` : undefined) });
  realEnvironments.set(placeholders, env);
  return placeholders;
}

/** Whether `env` reads `name` as a placeholder: the variable is unset, and nothing will connect. */
export function isPlaceholder(env: Env, name: string): boolean {
  const real = realEnvironments.get(env);
  return real !== undefined && !real[name];
}
