/** The shape every `tdx-shbuf` subcommand module in src/commands/ exports. */
import type { Command as Program } from 'commander';
import type { CliIo } from './io.js';

/** One subcommand: its arguments and options are declared to commander, its work is `run`. */
export interface Command<Options = Record<string, unknown>> {
  /** Name typed after `tdx-shbuf`. */
  name: string;
  /** Positional arguments in commander syntax (`<file>`, `[dirs...]`), or '' for none. */
  arguments: string;
  /** One-line summary shown by `tdx-shbuf --help`. */
  summary: string;
  /** Declare the options on `cmd` (`cmd.option('--out <dir>', 'where')`): adding an option is one line here. */
  options(cmd: Program): void;
  /** Text after the generated `--help` (examples, exit codes). */
  helpAfter?: string;
  /** Run with the declared positionals (in order) and the parsed options; resolves to the exit code. */
  run(args: string[], options: Options, io: CliIo): number | Promise<number>;
}

/** Type a subcommand's options while registering it with the others. */
export function defineCommand<Options>(command: Command<Options>): Command {
  return command as unknown as Command;
}
