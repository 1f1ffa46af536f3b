/**
 * `tdx-shbuf` dispatcher. Subcommands live in src/commands/ and register here;
 * `quote`, `run` and `report` (docs/architecture.md, "The quote driver") are to be added the same way.
 */
import type { Command } from './command.js';
import { inspectCommand } from './commands/inspect.js';
import { runCommand } from './commands/run.js';
import { reportCommand } from './commands/report.js';
import { quoteCommand } from './commands/quote.js';
import { simRootCommand } from './commands/sim-root.js';
import { EXIT, processIo, type CliIo } from './io.js';

/** Registered subcommands by name. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map([quoteCommand, simRootCommand, inspectCommand, runCommand, reportCommand].map((c) => [c.name, c]));

function usage(): string {
  return `usage: tdx-shbuf <command> [options]\n\ncommands:\n${[...COMMANDS.values()].map((c) => `  ${c.usage}`).join('\n')}\n`;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const command = COMMANDS.get(name);
  if (!command) {
    io.stderr(`tdx-shbuf: unknown command "${name}" (known: ${[...COMMANDS.keys()].join(', ')})\n`);
    return EXIT.USAGE;
  }
  return command.run(rest, io);
}
