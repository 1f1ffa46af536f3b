import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSimulatedQuoteService, encodeGetQuoteRequest, generateTdReport, INTEL_SGX_ROOT_CA_SHA256, parseQgsMessage } from '@tdx-shbuf/tdx-formats';
import { runCli } from '../../test/cli.js';
import { describe, expect, it } from 'vitest';
import { vectorPath } from '../../test/vectors.js';

const cli = (...argv: string[]) => runCli(argv);

const tmp = mkdtempSync(path.join(tmpdir(), 'tdx-shbuf-inspect-'));

describe('tdx-shbuf inspect on the real quotes', () => {
  it('verifies quote v4 and prints the JSON fields', async () => {
    const r = await cli('inspect', vectorPath('quoteV4'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      kind: 'quote', valid: true, version: 4, teeType: 0x81, attKeyType: 2, bodyType: null,
      qeVendorId: '939a7233f79c4ca9940a0db3957f0607', tdAttributes: '0000004000000000',
      mrTd: '6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb',
      sigDataLen: 4299, trailingBytes: 39, quoteSignatureValid: true, qeReportSignatureValid: true,
      qeReportDataBindingValid: true, chainValid: true, chainLength: 3, rootSha256: INTEL_SGX_ROOT_CA_SHA256,
    });
    expect(j.rootSubject).toContain('CN=Intel SGX Root CA');
    expect(j.reportData).toMatch(/^[0-9a-f]{128}$/);
  });

  it('verifies quote v5 (body type 3) and prints a human summary by default', async () => {
    const r = await cli('inspect', vectorPath('quoteV5'));
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

describe('tdx-shbuf inspect on a TDREPORT', () => {
  it('reports its fields and that both hashes verify', async () => {
    const r = await cli('inspect', vectorPath('tdReport'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'tdreport', tdxVersion: '1.0', reportType: '81000000', teeTcbInfoHashValid: true, teeInfoHashValid: true, xfam: 'e702060000000000' });
  });

  it('exits 1 when a TDINFO byte changes', async () => {
    const bytes = new Uint8Array(readFileSync(vectorPath('tdReport')));
    bytes[600] = (bytes[600] ?? 0) ^ 1;
    const file = path.join(tmp, 'tdreport.bin');
    writeFileSync(file, bytes);
    const r = await cli('inspect', file, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ teeInfoHashValid: false, teeTcbInfoHashValid: true });
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
    expect(j).toMatchObject({ quoteSignatureValid: true, qeReportSignatureValid: true, qeReportDataBindingValid: true, chainValid: false, rootTrusted: false, trailingBytes: 5006 - (636 + j.sigDataLen) });
    expect(j.rootSubject).toContain('SIMULATED');
    expect(j.reportData).toBe('ab'.repeat(64));
  });

  it('exits 0 with --trusted-root pointing at the simulated root', async () => {
    const r = await cli('inspect', quoteFile, '--trusted-root', rootFile, '--json');
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
});
