/**
 * @module cli/args
 * A strict flag parser for the `purertc` commands: `--name value`, `--name=value`, and
 * boolean `--flag`. Unknown flags and bad values are errors with a clear message.
 */

export interface FlagSpec {
  readonly type: 'string' | 'number' | 'boolean';
  readonly default?: string | number | boolean;
  readonly description: string;
}

export type Flags<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K]['type'] extends 'number' ? number : S[K]['type'] extends 'boolean' ? boolean : string;
};

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs<S extends Record<string, FlagSpec>>(argv: readonly string[], spec: S): Flags<S> {
  const out: Record<string, string | number | boolean | undefined> = {};
  for (const [k, s] of Object.entries(spec)) out[k] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown flag '--${name}'`);
    if (s.type === 'boolean') {
      out[name] = eq < 0 ? true : arg.slice(eq + 1) !== 'false';
      continue;
    }
    let value: string | undefined = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`flag '--${name}' needs a value`);
    if (s.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`flag '--${name}' needs a number, got '${value}'`);
      out[name] = n;
    } else out[name] = value;
  }
  for (const [k, v] of Object.entries(out)) if (v === undefined) throw new UsageError(`flag '--${k}' is required`);
  return out as Flags<S>;
}

/** The flag table for `--help` output. */
export function describeFlags(spec: Record<string, FlagSpec>): string {
  return Object.entries(spec)
    .map(([k, s]) => `  --${k.padEnd(14)} ${s.description}${s.default !== undefined ? ` (default: ${String(s.default)})` : ''}`)
    .join('\n');
}
