/** Writes docs/cost-parameters.md from costParamsSchema (test/cost-docs.test.ts fails when it is stale). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderCostParametersMarkdown } from './cost-docs.js';

const file = fileURLToPath(new URL('../../../docs/cost-parameters.md', import.meta.url));
writeFileSync(file, renderCostParametersMarkdown());
console.log(`wrote ${file}`);
