import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { createProgress } from './progress.js';
import { resolveShard } from './shard.js';
import { reportFailure } from '../commands/run-output.js';

describe('progress', () => {
  it('on a terminal: one line redrawn with done/total, ETA and the run; cleared at the end', () => {
    const out: string[] = [];
    let t = 0;
    const p = createProgress({ write: (s) => void out.push(s), isTTY: true, columns: 200 }, () => t);
    p.add(4);
    t = 1000;
    p.done('direct-map @ bytes=8 KiB', 'ok');
    expect(out[0]).toBe('\r\x1b[2K[#####...............] 1/4 ETA 0:03 direct-map @ bytes=8 KiB');
    t = 4000;
    for (let i = 0; i < 3; i++) p.done(`r${i}`, 'ok');
    expect(out[3]).toMatch(/\] 4\/4 done r2$/);
    p.end();
    expect(out[4]).toBe('\r\x1b[2K');
    expect(out.join('')).not.toMatch(/\n/);
  });

  it('not a terminal: one plain line per finished run; --quiet: nothing (through the CLI)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tdx-progress-'));
    const file = path.join(dir, 'e.yaml');
    writeFileSync(file, 'name: e\nplatform: { memoryBytes: 2GiB, vcpus: 2 }\nworkload: { requests: 2 }\nmatrix: { platform.vcpus: [1, 2] }\nstrategies: [open-coded]\n');
    const run = async (extra: string[], columns?: number) => {
      let err = '';
      const stderr = (s: string) => {
        err += s;
      };
      const code = await main(['run', file, '--out', path.join(dir, 'out'), '--jobs', '1', ...extra], { stdout: () => {}, stderr, readFile: () => new Uint8Array(), stderrColumns: () => columns });
      expect(code).toBe(0);
      return err;
    };
    expect(await run([])).toBe('  [1/2] open-coded @ vcpus=1: ok (2/2 requests)\n  [2/2] open-coded @ vcpus=2: ok (2/2 requests)\n');
    expect(await run(['--quiet'])).toBe('');
    expect(await run(['--quiet'], 80)).toBe('');
    const tty = await run([], 80);
    const clear = '\r\x1b[2K';
    expect(tty.startsWith(clear) && tty.endsWith(clear)).toBe(true);
    expect(tty.split(clear)).toEqual(['', expect.stringMatching(/^\[#+\.*\] 1\/2 ETA \d+:\d\d open-coded @ vcpus=1$/), '[####################] 2/2 done open-coded @ vcpus=2', '']);
  });
});

describe('shards', () => {
  it('--shard k/n (1-based), or JOB_COMPLETION_INDEX (0-based) with --shards or TDX_SHBUF_SHARDS', () => {
    expect(resolveShard({ shard: '2/3' }, {})).toEqual({ k: 2, n: 3 });
    expect(resolveShard({}, {})).toBeUndefined();
    expect(resolveShard({ shards: '4' }, { JOB_COMPLETION_INDEX: '0' })).toEqual({ k: 1, n: 4 });
    expect(resolveShard({}, { JOB_COMPLETION_INDEX: '3', TDX_SHBUF_SHARDS: '4' })).toEqual({ k: 4, n: 4 });
    expect(() => resolveShard({ shard: '0/2' }, {})).toThrow(/k is 1-based/);
    expect(() => resolveShard({ shard: 'two' }, {})).toThrow(/^--shard: "two" is not k\/n/);
    expect(() => resolveShard({}, { JOB_COMPLETION_INDEX: '1' })).toThrow(/give the shard count with --shards n or TDX_SHBUF_SHARDS/);
    expect(() => resolveShard({}, { JOB_COMPLETION_INDEX: '4', TDX_SHBUF_SHARDS: '4' })).toThrow(/JOB_COMPLETION_INDEX: "4" is not a 0-based index below 4/);
    expect(() => resolveShard({ shards: '-1' }, { JOB_COMPLETION_INDEX: '0' })).toThrow(/--shards: "-1" is not a shard count/);
  });
});

describe('failures', () => {
  it('a bug is one line with a hint; its stack only under DEBUG=tdx-shbuf', () => {
    let err = '';
    const io = {
      stdout: () => {},
      stderr: (s: string) => {
        err += s;
      },
      readFile: () => new Uint8Array(),
    };
    const saved = process.env.DEBUG;
    try {
      delete process.env.DEBUG;
      expect(reportFailure('run', new TypeError('x is undefined\n  more'), io)).toBe(1);
      expect(err).toBe('tdx-shbuf run: internal error: x is undefined (run with DEBUG=tdx-shbuf for the stack)\n');
      err = '';
      process.env.DEBUG = 'other,tdx-shbuf';
      reportFailure('run', new TypeError('x is undefined'), io);
      expect(err).toMatch(/^tdx-shbuf run: internal error: x is undefined .*\nTypeError: x is undefined\n {4}at /);
    } finally {
      if (saved === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = saved;
    }
  });
});
