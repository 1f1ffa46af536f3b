import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/writing-a-strategy.md cannot drift from this template: every ```ts
 * block in it is text of a template source file, every source file is shown
 * whole, and its contract table names every member of the core contract.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const template = path.resolve(here, '..');
const repo = path.resolve(template, '../..');
const doc = readFileSync(path.join(repo, 'docs/writing-a-strategy.md'), 'utf8');

const tsBlocks = [...doc.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const sources = ['src', 'test'].flatMap((dir) =>
  readdirSync(path.join(template, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: `${dir}/${f}`, text: readFileSync(path.join(template, dir, f), 'utf8') })),
);

describe('docs/writing-a-strategy.md', () => {
  it('has code blocks to check', () => {
    expect(tsBlocks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(tsBlocks.map((b, i) => [i + 1, b.split('\n')[0]!, b] as const))('```ts block %i (%s) appears verbatim in a template source file', (_i, _first, block) => {
    expect(
      sources.filter((s) => s.text.includes(block)).map((s) => s.file),
      'template files containing the block',
    ).not.toEqual([]);
  });

  it.each(sources.filter((s) => s.file.startsWith('src/')).map((s) => [s.file, s.text] as const))('shows %s whole', (_file, text) => {
    expect(tsBlocks).toContain(text);
  });

  it('the contract table names every member of defineStrategy, capabilities, requirements, SharedBufferAllocator and SharedBuffer', () => {
    const contract = readFileSync(path.join(repo, 'packages/core/src/contract/strategy.ts'), 'utf8');
    const members = (iface: string) => {
      const body = contract.slice(contract.indexOf(`export interface ${iface}`)).split('\n}')[0]!;
      return [...body.matchAll(/^ {2}(?:readonly )?(\w+)[(?:]/gm)].map((m) => m[1]!);
    };
    const wanted = [
      ...members('StrategyDefinition').filter((m) => m !== 'kind'),
      ...members('StrategyCapabilities'),
      ...members('AllocatorRequirements'),
      ...members('SharedBufferAllocator'),
      ...members('SharedBuffer'),
    ];
    expect(wanted.length).toBeGreaterThanOrEqual(20);
    for (const m of wanted) expect(doc, `contract table row for \`${m}\``).toMatch(new RegExp(`^\\| \`${m}\` \\|`, 'm'));
  });

  it('tsconfig.json stands alone (no extends, so the copied template works) with the repository base options', () => {
    const own = JSON.parse(readFileSync(path.join(template, 'tsconfig.json'), 'utf8'));
    const base = JSON.parse(readFileSync(path.join(repo, 'tsconfig.base.json'), 'utf8')).compilerOptions as Record<string, unknown>;
    expect(own.extends).toBeUndefined();
    for (const [key, value] of Object.entries(base)) if (value !== false) expect(own.compilerOptions[key], key).toEqual(value);
  });
});
