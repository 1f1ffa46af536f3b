import { readFileSync } from 'node:fs';

/** This package's version (package.json is one folder above both src/ and dist/). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
