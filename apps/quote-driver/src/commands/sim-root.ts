/**
 * `tdx-shbuf sim-root [--config f] [-o root.pem]`: the simulated root CA the
 * configured platform's quotes chain to (derived from `platform.seed`), for
 * `tdx-shbuf inspect quote.bin --trusted-root root.pem`. Never Intel's.
 */
import path from 'node:path';
import { ConfigError, simulatedQuoteServiceFor } from '@tdx-shbuf/core';
import { defineCommand } from '../command.js';
import { errorCode, EXIT, type CliIo } from '../io.js';
import { loadConfig } from '../config/load-config.js';
import { writeAtomic } from '../atomic-write.js';

interface SimRootOptions {
  config?: string;
  out?: string;
}

async function run(_args: string[], options: SimRootOptions, io: CliIo): Promise<number> {
  const usage = (message: string) => {
    io.stderr(`tdx-shbuf sim-root: ${message}\n`);
    return EXIT.USAGE;
  };
  const cwd = io.cwd?.() ?? process.cwd();
  let pem: string;
  try {
    const { config } = await loadConfig({ cwd, explicit: options.config });
    pem = simulatedQuoteServiceFor(config.platform.seed).rootCaPem;
  } catch (e) {
    if (e instanceof ConfigError) return usage(e.message);
    throw e;
  }
  if (options.out === undefined) {
    io.stdout(pem);
    return EXIT.OK;
  }
  try {
    writeAtomic(path.resolve(cwd, options.out), pem);
  } catch (e) {
    return usage(`cannot write ${options.out}: ${errorCode(e)}`);
  }
  return EXIT.OK;
}

/** The `sim-root` subcommand. */
export const simRootCommand = defineCommand<SimRootOptions>({
  name: 'sim-root',
  arguments: '',
  summary: "the simulated root CA the configured platform's quotes chain to (PEM)",
  options: (cmd) => {
    cmd.option('--config <file>', 'configuration file (default: tdx-shbuf.config.{ts,json,yaml} from the working folder up)');
    cmd.option('-o, --out <file>', 'write the PEM to a file instead of standard output');
  },
  run,
});
