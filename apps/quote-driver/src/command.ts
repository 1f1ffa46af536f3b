/** The shape every `tdx-shbuf` subcommand module in src/commands/ exports. */
import type { CliIo } from './io.js';

/** One subcommand. */
export interface Command {
  /** Name typed after `tdx-shbuf`. */
  name: string;
  /** One-line usage shown by `tdx-shbuf --help`. */
  usage: string;
  /** Run with the arguments after the subcommand name; resolves to the exit code. */
  run(argv: readonly string[], io: CliIo): number | Promise<number>;
}
