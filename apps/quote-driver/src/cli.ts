#!/usr/bin/env node
/** The `tdx-shbuf` executable: runs {@link main} on the process arguments. */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
