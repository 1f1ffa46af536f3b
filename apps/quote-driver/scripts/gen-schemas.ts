/**
 * Writes schema/tdx-shbuf.config.schema.json, schema/tdx-shbuf.experiment.schema.json
 * and CONFIG.md from the zod schemas (tests fail when they are stale).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema, renderConfigMarkdown } from '../src/config/docs.js';
import { experimentJsonSchema } from '../src/experiment/docs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
writeFileSync(path.join(root, 'schema', 'tdx-shbuf.config.schema.json'), json(configJsonSchema()));
writeFileSync(path.join(root, 'schema', 'tdx-shbuf.experiment.schema.json'), json(experimentJsonSchema()));
writeFileSync(path.join(root, 'CONFIG.md'), renderConfigMarkdown());
console.log('wrote schema/tdx-shbuf.config.schema.json, schema/tdx-shbuf.experiment.schema.json and CONFIG.md');
