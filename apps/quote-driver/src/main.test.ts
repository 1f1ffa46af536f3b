import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../test/cli.js';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './main.js';

const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(APP, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string> };

const cli = (...argv: string[]) => runCli(argv);

describe('tdx-shbuf: version and help', () => {
  it('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli(flag);
      expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    }
  });

  it('--help lists every command with its arguments, and the exit codes', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: tdx-shbuf \[options\] \[command\]/);
    for (const c of COMMANDS)
      expect(r.stdout).toMatch(
        new RegExp(`^  ${c.name}( \\[options\\])?${c.arguments ? ` ${c.arguments.replace(/[[\]]/g, '\\$&')}` : ''} +${c.summary.slice(0, 20).replace(/[()[\]]/g, '\\$&')}`, 'm'),
      );
    expect(r.stdout).toMatch(/^ {2}help \[command\] +show help for a command/m);
    expect(r.stdout).toContain('Exit status: 0 ok, 1 a check failed, 2 bad usage or input.');
  });

  it('no command: the usage on stderr, exit 2', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: tdx-shbuf/);
  });

  for (const c of COMMANDS) {
    it(`${c.name} --help, -h and \`help ${c.name}\` print the same usage and exit 0`, async () => {
      const long = await cli(c.name, '--help');
      expect(long.code).toBe(0);
      expect(long.stderr).toBe('');
      expect(long.stdout).toMatch(new RegExp(`^Usage: tdx-shbuf ${c.name} \\[options\\]${c.arguments ? ` ${c.arguments.replace(/[[\]]/g, '\\$&')}` : ''}\\n`));
      expect(long.stdout.replace(/\s+/g, ' ')).toContain(c.summary);
      expect(long.stdout).toMatch(/^ {2}-h, --help +show help$/m);
      expect(long.stdout).toContain('Exit status:');
      expect(await cli(c.name, '-h')).toEqual(long);
      expect(await cli('help', c.name)).toEqual(long);
    });
  }

  it('every option of every command is described in its help', async () => {
    for (const c of COMMANDS) {
      const r = await cli(c.name, '--help');
      for (const line of r.stdout.split('\n').filter((l) => /^ {2}-/.test(l))) expect(line, `${c.name}: ${line}`).toMatch(/^ {2}(-\w, )?--[\w-]+( <[^>]+>)? {2,}\S/);
    }
  });
});

describe('tdx-shbuf: bad usage is one line naming what is wrong, exit 2', () => {
  const cases: [string, string[], string][] = [
    ['an unknown command', ['frobnicate'], "tdx-shbuf: unknown command 'frobnicate' (known: quote, inspect, sim-root, run, merge, report)\n"],
    ['a near miss gets a suggestion', ['inspekt'], "tdx-shbuf: unknown command 'inspekt' (Did you mean inspect?) (known: quote, inspect, sim-root, run, merge, report)\n"],
    ['an unknown option of a command', ['inspect', 'q.bin', '--bogus'], "tdx-shbuf inspect: unknown option '--bogus'\n"],
    ['an unknown option with a suggestion', ['inspect', 'q.bin', '--jsn'], "tdx-shbuf inspect: unknown option '--jsn' (Did you mean --json?)\n"],
    ['an unknown option before the command', ['--frob', 'run'], "tdx-shbuf: unknown option '--frob'\n"],
    ['a missing argument', ['run'], "tdx-shbuf run: missing required argument 'experiment'\n"],
    ['an extra argument', ['report', 'a', 'b'], "tdx-shbuf report: too many arguments for 'report'. Expected 1 argument but got 2.\n"],
    ['an option without its value', ['run', 'e.yaml', '--out'], "tdx-shbuf run: option '--out <dir>' argument missing\n"],
    ['a missing required option', ['quote'], "tdx-shbuf quote: required option '--report-data <hex|@file>' not specified\n"],
    ['sim-root takes no argument', ['sim-root', 'extra'], "tdx-shbuf sim-root: too many arguments for 'sim-root'. Expected 0 arguments but got 1.\n"],
  ];
  for (const [name, argv, stderr] of cases) {
    it(name, async () => {
      expect(await cli(...argv)).toEqual({ code: 2, stdout: '', stderr });
    });
  }
});

describe('the tdx-shbuf executable', () => {
  it('is the package bin and exits with main’s code', () => {
    expect(pkg.bin).toEqual({ 'tdx-shbuf': './dist/cli.js' });
    const run = (...argv: string[]) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', path.join(APP, 'src/cli.ts'), ...argv], { encoding: 'utf8', stdio: 'pipe' }) };
      } catch (e) {
        const err = e as { status: number; stderr: string };
        return { code: err.status, out: err.stderr };
      }
    };
    expect(run('--version')).toEqual({ code: 0, out: `${pkg.version}\n` });
    expect(run('inspect', '--nope')).toEqual({ code: 2, out: "tdx-shbuf inspect: unknown option '--nope'\n" });
  });

  it('ends quietly when its reader closes the pipe early (`tdx-shbuf help run | true`)', () => {
    // `true` exits without reading, long before node has started: every write meets a closed pipe
    const r = spawnSync(
      'sh',
      ['-c', `node --conditions=source --import tsx '${path.join(APP, 'src/cli.ts')}' help run | true; node --conditions=source --import tsx '${path.join(APP, 'src/cli.ts')}' --version | true`],
      { encoding: 'utf8', cwd: APP },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
