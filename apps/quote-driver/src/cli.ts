#!/usr/bin/env node
/** The `tdx-shbuf` executable: runs {@link main} on the process arguments. */
import { main } from './main.js';

// A reader that stops early (`tdx-shbuf help quote | head -1`) closes the pipe: end quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await main(process.argv.slice(2));
