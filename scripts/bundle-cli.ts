// The CLI as a few ES modules (dist/bundle/), built from tsc's output by `npm run build` and the
// prepare script. A command's process spends most of its start-up in Node's module loader
// (resolving, reading and compiling ~500 files: quorum's own, zod, yaml, commander and the JS
// half of the DuckDB client); bundled, that is a few files and the same code (BENCHMARKS.md,
// "Read commands as whole processes"). bin/quorum.js runs the bundle when it is newer than
// dist/src, and the unbundled modules otherwise.
//   node dist/scripts/bundle-cli.js
import { build, type Plugin } from 'esbuild';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The packages every command loads, bundled with it. The warehouse clients that are imported
 * lazily (pg, knex, BigQuery, Snowflake, the SQL parsers, PGlite) and the report's assets stay
 * packages: a DuckDB command never loads them, and some of them read files beside themselves.
 */
const EVERY_COMMAND = ['zod', 'yaml', 'commander', 'croner'];

/**
 * The DuckDB client's JavaScript is bundled only when the native half it requires
 * (@duckdb/node-bindings) is the one the bundle resolves as well: with npm's usual hoisting it
 * is, and a nested copy (two versions in one install) keeps the client a package.
 */
function duckDbClientBundles(outdir: string): boolean {
  const fromBundle = createRequire(path.join(outdir, 'main.js'));
  try {
    const client = fromBundle.resolve('@duckdb/node-api');
    return createRequire(client).resolve('@duckdb/node-bindings') === fromBundle.resolve('@duckdb/node-bindings');
  } catch {
    return false;
  }
}

const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

function keepPackagesExcept(bundled: readonly string[]): Plugin {
  return {
    name: 'keep-packages',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, (args) => (bundled.includes(packageOf(args.path)) ? undefined : { path: args.path, external: true }));
    },
  };
}

/**
 * Bundles the CLI whose entry is `entry` (dist/src/cli/main.js, or the source in a test) into
 * `outdir`/main.js and its chunks; `outdir` must be inside the repository, where the packages
 * left out resolve. Returns the packages bundled.
 */
export async function bundleCli(entry: string, outdir: string): Promise<readonly string[]> {
  const bundled = duckDbClientBundles(outdir) ? [...EVERY_COMMAND, '@duckdb/node-api'] : EVERY_COMMAND;
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: { main: entry },
    outdir,
    bundle: true,
    // each command stays its own chunk, loaded when it is the one named (src/cli/main.ts)
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // the bundled CommonJS packages require Node's modules and the DuckDB bindings
    banner: { js: "import { createRequire as createRequireOfBundle } from 'node:module';\nconst require = createRequireOfBundle(import.meta.url);" },
    plugins: [keepPackagesExcept(bundled)],
    logLevel: 'warning',
  });
  return bundled;
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const dist = path.resolve(path.dirname(self), '..');
  const bundled = await bundleCli(path.join(dist, 'src', 'cli', 'main.js'), path.join(dist, 'bundle'));
  process.stdout.write(`bundled the CLI into dist/bundle (with ${bundled.join(', ')})\n`);
}
