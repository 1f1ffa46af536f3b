/** Writes schema/tdx-shbuf.config.schema.json and CONFIG.md from src/config/config-schema.ts (tests fail when they are stale). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema, renderConfigMarkdown } from '../src/config/docs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(path.join(root, 'schema', 'tdx-shbuf.config.schema.json'), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
writeFileSync(path.join(root, 'CONFIG.md'), renderConfigMarkdown());
console.log('wrote schema/tdx-shbuf.config.schema.json and CONFIG.md');
