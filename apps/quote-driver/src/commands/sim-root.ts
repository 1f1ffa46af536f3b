/**
 * `tdx-shbuf sim-root [--config f] [-o root.pem]`: the simulated root CA the
 * configured platform's quotes chain to (derived from `platform.seed`), for
 * `tdx-shbuf inspect quote.bin --trusted-root root.pem`. Never Intel's.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, simulatedQuoteServiceFor } from '@tdx-shbuf/core';
import type { Command } from '../command.js';
import { errorCode, EXIT, type CliIo } from '../io.js';
import { loadConfig } from '../config/load-config.js';
import { writeAtomic } from './quote.js';

const USAGE = 'sim-root [--config f] [-o root.pem]   the simulated root CA the configured platform\'s quotes chain to';

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const usage = (message: string) => {
    io.stderr(`tdx-shbuf sim-root: ${message}\n`);
    return EXIT.USAGE;
  };
  let args;
  try {
    args = parseArgs({ args: [...argv], strict: true, options: { config: { type: 'string' }, out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    return usage((e as Error).message);
  }
  if (args.values.help) {
    io.stdout(`usage: tdx-shbuf ${USAGE}\n`);
    return EXIT.OK;
  }
  const cwd = io.cwd?.() ?? process.cwd();
  let pem: string;
  try {
    const { config } = await loadConfig({ cwd, explicit: args.values.config });
    pem = simulatedQuoteServiceFor(config.platform.seed).rootCaPem;
  } catch (e) {
    if (e instanceof ConfigError) return usage(e.message);
    throw e;
  }
  if (args.values.out === undefined) {
    io.stdout(pem);
    return EXIT.OK;
  }
  try {
    writeAtomic(path.resolve(cwd, args.values.out), pem);
  } catch (e) {
    return usage(`cannot write ${args.values.out}: ${errorCode(e)}`);
  }
  return EXIT.OK;
}

/** The `sim-root` subcommand. */
export const simRootCommand: Command = { name: 'sim-root', usage: USAGE, run };
