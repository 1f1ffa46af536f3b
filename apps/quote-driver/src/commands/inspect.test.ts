import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSimulatedQuoteService, encodeGetQuoteRequest, generateTdReport, INTEL_SGX_ROOT_CA_SHA256, parseQgsMessage, QUOTE_MAX_SIZE } from '@tdx-shbuf/tdx-formats';
import { runCli } from '../../test/cli.js';
import { describe, expect, it } from 'vitest';
import { vectorPath } from '../../test/vectors.js';

const cli = (...argv: string[]) => runCli(argv);

const tmp = mkdtempSync(path.join(tmpdir(), 'tdx-shbuf-inspect-'));
/** Inside both real vectors' certificate validity (they expire in 2029 and 2033). */
const AT = '2026-06-01';

describe('tdx-shbuf inspect on the real quotes', () => {
  it('verifies quote v4 and prints the JSON fields', async () => {
    const r = await cli('inspect', vectorPath('quoteV4'), '--json', '--at', AT);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      kind: 'quote',
      valid: true,
      version: 4,
      teeType: 0x81,
      attKeyType: 2,
      bodyType: null,
      qeVendorId: '939a7233f79c4ca9940a0db3957f0607',
      tdAttributes: '0000004000000000',
      mrTd: '6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb',
      sigDataLen: 4299,
      trailingBytes: 39,
      quoteSignatureValid: true,
      qeReportSignatureValid: true,
      qeReportDataBindingValid: true,
      chainValid: true,
      chainLength: 3,
      rootSha256: INTEL_SGX_ROOT_CA_SHA256,
      verdict: 'verified',
      datesValid: true,
      checkedAt: '2026-06-01T00:00:00.000Z',
      notChecked: ['TCB level (TCB info)', 'QE identity', 'revocation (CRLs)'],
    });
    expect(j.checks).toContain('certificate validity at 2026-06-01T00:00:00.000Z');
    expect(j.rootSubject).toContain('CN=Intel SGX Root CA');
    expect(j.reportData).toMatch(/^[0-9a-f]{128}$/);
  });

  it('verifies quote v5 (body type 3) and prints a human summary by default', async () => {
    const r = await cli('inspect', vectorPath('quoteV5'), '--at', AT);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('TDX quote v5 (body type 3)');
    expect(r.stdout).toContain('7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f750c3bc8f876');
    expect(r.stdout).toContain('verdict: verified');
  });

  it('exits 1 on a tampered copy and says which check failed', async () => {
    const bytes = new Uint8Array(readFileSync(vectorPath('quoteV4')));
    bytes[200] = (bytes[200] ?? 0) ^ 1; // inside MRTD
    const file = path.join(tmp, 'tampered.bin');
    writeFileSync(file, bytes);
    const r = await cli('inspect', file, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, quoteSignatureValid: false, chainValid: true });
    const human = await cli('inspect', file);
    expect(human.stdout).toContain('quote signature          FAIL');
    expect(human.stdout).toContain('verdict: FAILED');
  });
});

describe('tdx-shbuf inspect on a TDREPORT: consistent is not verified', () => {
  it('reports its fields, checks both hashes and exits 3: the MAC cannot be checked without the platform key', async () => {
    const r = await cli('inspect', vectorPath('tdReport'), '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({
      kind: 'tdreport',
      verdict: 'consistent',
      valid: false,
      macVerified: false,
      macValid: null,
      tdxVersion: '1.0',
      reportType: '81000000',
      teeTcbInfoHashValid: true,
      teeInfoHashValid: true,
      xfam: 'e702060000000000',
      checks: ['TEE_TCB_INFO_HASH = SHA-384(TEE_TCB_INFO)', 'TEE_INFO_HASH = SHA-384(TDINFO)'],
      notChecked: ['MAC (needs the platform key: anyone can recompute both hashes)'],
    });
    const human = await cli('inspect', vectorPath('tdReport'));
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/MAC +not checked \(needs the platform key; --mac-key for simulated reports\)\nverdict: consistent \(MAC not verifiable without the platform key\)\n$/);
    expect(human.stdout).not.toContain('verified\n');
  });

  it('a forged TDREPORT (MRTD changed, hashes recomputed) is consistent, exit 3 (regression: it was "verified", exit 0)', async () => {
    const forged = new Uint8Array(readFileSync(vectorPath('tdReport')));
    forged.fill(0x41, 528, 576);
    forged.set(createHash('sha384').update(forged.subarray(512, 1024)).digest(), 80);
    const file = path.join(tmp, 'forged-tdreport.bin');
    writeFileSync(file, forged);
    const r = await cli('inspect', file);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`MRTD           ${'41'.repeat(48)}`);
    expect(r.stdout).toContain('verdict: consistent (MAC not verifiable without the platform key)');
  });

  it('exits 1 when a TDINFO byte changes', async () => {
    const bytes = new Uint8Array(readFileSync(vectorPath('tdReport')));
    bytes[600] = (bytes[600] ?? 0) ^ 1;
    const file = path.join(tmp, 'tdreport.bin');
    writeFileSync(file, bytes);
    const r = await cli('inspect', file, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'failed', teeInfoHashValid: false, teeTcbInfoHashValid: true });
  });

  describe('--mac-key: full verification of a simulated TDREPORT (the model MACs with HMAC-SHA-256)', () => {
    const key = 'c0'.repeat(32);
    const report = generateTdReport({ reportData: new Uint8Array(64).fill(1), macKey: Buffer.from(key, 'hex') });
    const file = path.join(tmp, 'sim-tdreport.bin');
    writeFileSync(file, report);

    it('verified with the right key (exit 0), failed with another (exit 1)', async () => {
      const ok = await cli('inspect', file, '--mac-key', key, '--json');
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ verdict: 'verified', valid: true, macVerified: true, macValid: true, notChecked: [] });
      expect((await cli('inspect', file, '--mac-key', key)).stdout).toMatch(/MAC +ok \(HMAC-SHA-256 model, given key\)\nverdict: verified\n$/);
      const wrong = await cli('inspect', file, '--mac-key', '00'.repeat(32), '--json');
      expect(wrong.code).toBe(1);
      expect(JSON.parse(wrong.stdout)).toMatchObject({ verdict: 'failed', macVerified: false, macValid: false });
    });

    it('a forgery with recomputed hashes fails once the key is given', async () => {
      const forged = report.slice();
      forged.fill(0x41, 528, 576);
      forged.set(createHash('sha384').update(forged.subarray(512, 1024)).digest(), 80);
      const f = path.join(tmp, 'sim-forged.bin');
      writeFileSync(f, forged);
      expect((await cli('inspect', f)).code).toBe(3);
      expect((await cli('inspect', f, '--mac-key', key)).code).toBe(1);
    });

    it('refuses a key that is not hex or too short, and a key for a quote', async () => {
      expect((await cli('inspect', file, '--mac-key', 'xyz')).stderr).toBe('tdx-shbuf inspect: --mac-key: not a hex string\n');
      expect((await cli('inspect', file, '--mac-key', '0011')).stderr).toMatch(/^tdx-shbuf inspect: --mac-key: 2 bytes; a platform MAC key is at least 16 bytes/);
      const q = await cli('inspect', vectorPath('quoteV4'), '--mac-key', key);
      expect(q.code).toBe(2);
      expect(q.stderr).toBe('tdx-shbuf inspect: --mac-key applies to TDREPORTs; a quote is signed, not MACed\n');
    });
  });
});

describe('tdx-shbuf inspect: certificate dates', () => {
  it('fails a real quote at a time after its leaf expires, naming the certificate', async () => {
    const r = await cli('inspect', vectorPath('quoteV4'), '--at', '2030-01-01T00:00:00Z');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('certificate dates        FAIL at 2030-01-01T00:00:00.000Z');
    expect(r.stdout).toContain('! PCK leaf certificate is valid 2022-09-20T13:20:31.000Z to 2029-09-20T13:20:31.000Z, not at 2030-01-01T00:00:00.000Z');
    expect(r.stdout).toMatch(/verdict: FAILED\n$/);
  });

  it('--no-check-dates verifies without dates and says so', async () => {
    const r = await cli('inspect', vectorPath('quoteV4'), '--no-check-dates');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('certificate dates        not checked (--no-check-dates)');
    expect(r.stdout).toMatch(/verdict: verified \(certificate dates not checked\)\n$/);
    expect(JSON.parse((await cli('inspect', vectorPath('quoteV4'), '--no-check-dates', '--json')).stdout)).toMatchObject({ datesValid: null, checkedAt: null, verdict: 'verified' });
  });

  it('checks at the current time by default', async () => {
    const j = JSON.parse((await cli('inspect', vectorPath('quoteV4'), '--json')).stdout);
    expect(Math.abs(Date.parse(j.checkedAt) - Date.now())).toBeLessThan(60_000);
  });

  it.each([
    [['--at', 'yesterday'], '--at: "yesterday" is not an ISO 8601 date (e.g. 2026-06-01 or 2026-06-01T12:00:00Z)'],
    [['--at', '2026-13-01'], '--at: "2026-13-01" is not an ISO 8601 date (e.g. 2026-06-01 or 2026-06-01T12:00:00Z)'],
    [['--at', AT, '--no-check-dates'], '--at and --no-check-dates contradict each other'],
  ])('refuses %j in one line', async (args, message) => {
    const r = await cli('inspect', vectorPath('quoteV4'), ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tdx-shbuf inspect: ${message}\n`);
  });

  it('refuses date options for a TDREPORT', async () => {
    expect((await cli('inspect', vectorPath('tdReport'), '--at', AT)).stderr).toBe('tdx-shbuf inspect: --at and --no-check-dates apply to quotes; a TDREPORT carries no certificates\n');
  });
});

describe('tdx-shbuf inspect on a quote from the simulated service', () => {
  const macKey = new Uint8Array(32).fill(1);
  const service = createSimulatedQuoteService({ platformMacKey: macKey, seed: 'cli test', padQuoteTo: 5006 });
  const msg = parseQgsMessage(service.handleRequest(encodeGetQuoteRequest(generateTdReport({ reportData: new Uint8Array(64).fill(0xab), macKey }))));
  if (msg.kind !== 'get_quote_resp') throw new Error('expected a response');
  const quoteFile = path.join(tmp, 'sim-quote.bin');
  const rootFile = path.join(tmp, 'sim-root.pem');
  writeFileSync(quoteFile, msg.quote);
  writeFileSync(rootFile, service.rootCaPem);

  it('exits 1 without --trusted-root: the simulated root is not Intel', async () => {
    const r = await cli('inspect', quoteFile, '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      quoteSignatureValid: true,
      qeReportSignatureValid: true,
      qeReportDataBindingValid: true,
      chainValid: false,
      rootTrusted: false,
      trailingBytes: 5006 - (636 + j.sigDataLen),
    });
    expect(j.rootSubject).toContain('SIMULATED');
    expect(j.reportData).toBe('ab'.repeat(64));
  });

  it('exits 0 with --trusted-root pointing at the simulated root', async () => {
    const r = await cli('inspect', quoteFile, '--trusted-root', rootFile, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, chainValid: true, rootTrusted: true, rootSha256: service.rootSha256 });
  });
});

describe('tdx-shbuf inspect errors (exit 2, one line on stderr)', () => {
  it('names a file it cannot read', async () => {
    const r = await cli('inspect', path.join(tmp, 'quote.bin'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tdx-shbuf inspect: cannot read ${path.join(tmp, 'quote.bin')}: ENOENT\n`);
    const root = await cli('inspect', vectorPath('quoteV4'), '--trusted-root', path.join(tmp, 'nope.pem'));
    expect(root.code).toBe(2);
    expect(root.stderr).toContain('cannot read');
  });

  it('names the field when the input does not parse', async () => {
    const bytes = new Uint8Array(readFileSync(vectorPath('quoteV4'))).subarray(0, 700);
    const file = path.join(tmp, 'short.bin');
    writeFileSync(file, bytes);
    const r = await cli('inspect', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tdx-shbuf inspect: ${file}: quote v4: signature data at offset 636 is 64 bytes long, expected 4299 bytes\n`);
  });

  it('rejects bad arguments, a missing file argument, an unknown command, and a root file without PEM', async () => {
    expect((await cli('inspect', vectorPath('quoteV4'), '--bogus')).code).toBe(2);
    expect((await cli('inspect')).stderr).toBe("tdx-shbuf inspect: missing required argument 'file'\n");
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli()).code).toBe(2);
    const r = await cli('inspect', vectorPath('quoteV4'), '--trusted-root', vectorPath('tdReport'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('holds no PEM certificate');
    const junk = path.join(tmp, 'junk.bin');
    writeFileSync(junk, new Uint8Array(10));
    expect((await cli('inspect', junk)).stderr).toContain('neither a TDX quote');
  });

  it('refuses an oversized file from its size, without reading it (a 256 MiB sparse file)', async () => {
    const big = path.join(tmp, 'big.bin');
    const fd = openSync(big, 'w');
    writeSync(fd, readFileSync(vectorPath('quoteV4')));
    ftruncateSync(fd, 256 * 1024 * 1024);
    closeSync(fd);
    const r = await cli('inspect', big);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tdx-shbuf inspect: cannot read ${big}: 268435456 bytes, over the ${QUOTE_MAX_SIZE}-byte limit\n`);
    rmSync(big);
  });

  it('accepts a quote padded to exactly QUOTE_MAX_SIZE and refuses one byte more', async () => {
    const quote = readFileSync(vectorPath('quoteV4'));
    const at = (size: number) => {
      const f = path.join(tmp, `padded-${size}.bin`);
      const b = new Uint8Array(size);
      b.set(quote);
      writeFileSync(f, b);
      return f;
    };
    expect((await cli('inspect', at(QUOTE_MAX_SIZE), '--at', AT)).code).toBe(0);
    const over = await cli('inspect', at(QUOTE_MAX_SIZE + 1));
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(/^tdx-shbuf inspect: cannot read .*: 131049 bytes, over the 131048-byte limit\n$/);
  });

  it('stops reading an endless device one byte past the limit', async () => {
    const r = await cli('inspect', '/dev/zero');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tdx-shbuf inspect: cannot read /dev/zero: more than the ${QUOTE_MAX_SIZE}-byte limit\n`);
  });

  it('names a folder given as the file', async () => {
    expect((await cli('inspect', tmp)).stderr).toBe(`tdx-shbuf inspect: cannot read ${tmp}: EISDIR\n`);
  });

  it('--help documents every exit code', async () => {
    const r = await cli('inspect', '--help');
    expect(r.code).toBe(0);
    for (const line of ['0  verified', '1  a check failed', '2  bad arguments', '3  consistent']) expect(r.stdout).toContain(line);
  });
});
