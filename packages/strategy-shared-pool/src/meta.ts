import { readFileSync } from 'node:fs';

/** name and version from this package's package.json (one level above both src/ and dist/). */
export const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  readonly name: string;
  readonly version: string;
  readonly description: string;
};
