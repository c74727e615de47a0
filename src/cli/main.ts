/**
 * @module cli/main
 * The `purertc` command: `purertc <command> [flags]`. Each command lives in its own file
 * and exports `summary`, `usage` and `run(argv)`; this file only dispatches.
 */
import { parseArgs } from './args.js';

export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[]): Promise<void>;
}

const commands: Record<string, () => Promise<Command>> = {
  bench: () => import('./bench.js'),
  demo: () => import('./demo.js'),
  signal: () => import('./signal.js'),
  stun: () => import('./stun.js'),
  turn: () => import('./turn.js'),
};

function help(): string {
  const lines = ['usage: purertc <command> [--help] [flags]', '', 'commands:'];
  for (const name of Object.keys(commands)) lines.push(`  ${name}`);
  return lines.join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`purertc: unknown command '${name}'\n\n${help()}\n`);
    return 2;
  }
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${cmd.summary}\n\n${cmd.usage}\n`);
    return 0;
  }
  try {
    await cmd.run(rest);
    return 0;
  } catch (err) {
    process.stderr.write(`purertc ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

export { parseArgs };

// Run when executed directly (tsx src/cli/main.ts, or bin/purertc.js via dist).
const invokedAs = process.argv[1] ?? '';
if (/[\\/]cli[\\/]main\.(ts|js)$/.test(invokedAs)) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0) process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`purertc: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
