/**
 * `tdx-shbuf` dispatcher: commander parses the subcommands declared in
 * src/commands/ (usage text, `--help` on each, `tdx-shbuf help <cmd>`,
 * `--version`, unknown options named in one line); each command's `run` does
 * the work and returns the exit code (0 ok, 1 a check failed, 2 bad usage).
 */
import { Command as Program, CommanderError } from 'commander';
import type { Command } from './command.js';
import { inspectCommand } from './commands/inspect.js';
import { mergeCommand } from './commands/merge.js';
import { quoteCommand } from './commands/quote.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { simRootCommand } from './commands/sim-root.js';
import { EXIT, processIo, type CliIo } from './io.js';
import { VERSION } from './version.js';

/** Registered subcommands, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [quoteCommand, inspectCommand, simRootCommand, runCommand, mergeCommand, reportCommand];

export { VERSION } from './version.js';

const EXIT_CODES = 'Exit status: 0 ok, 1 a check failed, 2 bad usage or input.';

/** commander's "error: unknown option '--x'\n(Did you mean --y?)" as one line: `tdx-shbuf <cmd>: unknown option '--x' (Did you mean --y?)`. */
function oneLine(prefix: string, text: string): string {
  return `${prefix}: ${text
    .replace(/^error: /, '')
    .trim()
    .replace(/\s*\n\s*/g, ' ')}\n`;
}

/** A fresh commander program writing to `io`; `exit.code` holds the action's exit code once parsed. */
export function createProgram(io: CliIo = processIo): { program: Program; exit: { code: number } } {
  const exit: { code: number } = { code: EXIT.OK };
  const known = ` (known: ${COMMANDS.map((c) => c.name).join(', ')})`;
  const output = (prefix: string) => ({
    writeOut: io.stdout,
    writeErr: io.stderr,
    outputError: (text: string) => io.stderr(oneLine(prefix, /unknown command/.test(text) ? `${text.trimEnd()}${known}` : text)),
  });
  const program = new Program('tdx-shbuf')
    .description('Shared buffers for Intel TDX guests on a faithful model: real-format quotes, experiments comparing strategies.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput(output('tdx-shbuf'))
    .addHelpText('after', `\n${EXIT_CODES}\nRun 'tdx-shbuf help <command>' for a command's options.`);
  for (const c of COMMANDS) {
    const sub = program
      .command(c.name)
      .description(c.summary)
      .configureOutput(output(`tdx-shbuf ${c.name}`));
    if (c.arguments) sub.arguments(c.arguments);
    c.options(sub);
    sub.addHelpText('after', `${c.helpAfter ? `\n${c.helpAfter.trimEnd()}\n` : ''}\n${EXIT_CODES}`);
    sub.action(async (...params: unknown[]) => {
      const self = params[params.length - 1] as Program;
      const args = self.processedArgs.flat().filter((a): a is string => typeof a === 'string');
      exit.code = await c.run(args, self.opts(), io);
    });
  }
  return { program, exit };
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const { program, exit } = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    // --help, help <cmd> and --version exit 0; every parse error (already printed in one line) is bad usage.
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    throw e;
  }
  return exit.code;
}
