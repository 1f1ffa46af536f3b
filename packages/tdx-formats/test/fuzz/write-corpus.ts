/**
 * `pnpm --filter @tdx-shbuf/tdx-formats fuzz:corpus`: (re)write the hand-made
 * regression inputs of corpus-cases.ts and the simulated root they trust.
 * Deterministic: rerunning it leaves the corpus unchanged.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS_DIR } from './corpus.js';
import { corpusCases } from './corpus-cases.js';
import { SIM_ROOT_PEM } from './targets.js';

writeFileSync(path.join(CORPUS_DIR, 'sim-root.pem'), SIM_ROOT_PEM);
for (const [file, bytes] of Object.entries(corpusCases())) {
  writeFileSync(path.join(CORPUS_DIR, file), bytes);
  console.log(`${file}  ${bytes.length} bytes`);
}
