/** Paths of the real vectors kept in packages/tdx-formats/test/vectors/ (missing → tests fail). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = path.resolve(repoRoot, 'packages/tdx-formats/test/vectors');

/** Absolute path of a vector file; throws when it does not exist. */
export function vectorPath(name: 'quoteV4' | 'quoteV5' | 'tdReport'): string {
  const file = path.join(
    dir,
    {
      quoteV4: 'quote_v4_go-tdx-guest_tdx_prod_quote_SPR_E4.dat',
      quoteV5: 'quote_v5_go-tdx-guest_quote_v5_sample.dat',
      tdReport: 'tdreport_intel-dcap_tdreport_for_test.dat',
    }[name],
  );
  if (!existsSync(file)) throw new Error(`TDX test vector missing: ${file}`);
  return file;
}
