/**
 * An experiment's plan: its axes and points, every point applied and checked,
 * the strategies loaded once to check strategy-option axes, and one task per
 * (point, strategy, seed) in result order. Everything is checked before
 * anything runs.
 */
import { ConfigError, instantiate, type StrategySpec } from '@tdx-shbuf/core';
import { loadAppStrategy } from '../td.js';
import type { Experiment } from './experiment-schema.js';
import { checkLimits, MAX_RUNS } from './limits.js';
import { applyPoint, axesOf, didYouMean, enumeratePoints, ExperimentError, getPath, STRATEGY_OPTIONS, type Axis, type Point } from './matrix.js';
import { experimentHash } from './results.js';
import type { RowTask } from './run-row.js';

export interface PlannedStrategy {
  label: string;
  spec: StrategySpec;
  /** Option keys the strategy has (after defaults). */
  optionKeys: string[];
}

export interface Plan {
  file: string;
  experiment: Experiment;
  hash: string;
  axes: Axis[];
  points: Point[];
  /** The experiment at each point, by point index. */
  pointExperiments: Experiment[];
  strategies: PlannedStrategy[];
  /** One per row, point-major, then strategy, then seed. */
  tasks: RowTask[];
}

export interface PlanOptions {
  fromDir: string;
  conditions?: readonly string[] | undefined;
  trace?: boolean;
}

/** A compact label: `name` or `name {key: value, …}`. */
export function strategyLabel(spec: StrategySpec): string {
  if (typeof spec === 'string') return spec;
  const opts = Object.entries(spec[1] ?? {});
  return opts.length ? `${spec[0]} {${opts.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}` : spec[0];
}

/** `spec` with the point's strategy options that the strategy has. */
function withOptions(s: PlannedStrategy, coordinates: Record<string, unknown>): StrategySpec {
  const extra = Object.entries(coordinates).filter(([k]) => k.startsWith(STRATEGY_OPTIONS) && s.optionKeys.includes(k.slice(STRATEGY_OPTIONS.length)));
  if (!extra.length) return s.spec;
  const [name, opts] = typeof s.spec === 'string' ? [s.spec, {}] : [s.spec[0], s.spec[1] ?? {}];
  return [name, { ...opts, ...Object.fromEntries(extra.map(([k, v]) => [k.slice(STRATEGY_OPTIONS.length), v])) }];
}

async function loadStrategies(exp: Experiment, axes: Axis[], file: string, opts: PlanOptions): Promise<PlannedStrategy[]> {
  const loaded = await Promise.all(
    exp.strategies.map((spec) =>
      loadAppStrategy(spec as StrategySpec, opts.fromDir, {}, opts.conditions).catch((e: unknown) => {
        if (e instanceof ConfigError) throw new ExperimentError(e.message);
        throw e;
      }),
    ),
  );
  const strategies = exp.strategies.map((spec, i) => ({ label: strategyLabel(spec as StrategySpec), spec: spec as StrategySpec, optionKeys: Object.keys((loaded[i]!.options ?? {}) as object) }));
  // strategy.options.<key> applies to the strategies whose options have <key>; each value must validate for each of them.
  for (const a of axes.filter((x) => x.key.startsWith(STRATEGY_OPTIONS))) {
    const opt = a.key.slice(STRATEGY_OPTIONS.length);
    const owners = strategies.filter((s) => s.optionKeys.includes(opt));
    if (!owners.length) {
      const all = [...new Set(strategies.flatMap((s) => s.optionKeys))];
      throw new ExperimentError(
        `${file}: matrix.${a.key}: no strategy of the experiment has option "${opt}"${didYouMean(opt, all).replace(/\(did you mean (.*)\?\)/, `(did you mean ${STRATEGY_OPTIONS}$1?)`)}${all.length ? ` (options: ${all.join(', ')})` : ''}`,
      );
    }
    for (const s of owners) {
      const l = loaded[strategies.indexOf(s)]!;
      for (const v of a.values) {
        try {
          instantiate(l.name, l.definition, { ...(l.options as object), [opt]: v }, {});
        } catch (e) {
          if (e instanceof ConfigError) throw new ExperimentError(`${file}: matrix.${a.key} = ${JSON.stringify(v)}: ${e.message}`);
          throw e;
        }
      }
    }
  }
  return strategies;
}

/** Check the experiment through and lay out its runs. Throws ExperimentError (one line) on anything wrong. */
export async function planExperiment(exp: Experiment, file: string, opts: PlanOptions): Promise<Plan> {
  const rawAxes = axesOf(exp, file);
  const total = rawAxes.reduce((n, a) => n * a.values.length, 1) * exp.strategies.length * exp.seeds.length;
  if (total > MAX_RUNS) throw new ExperimentError(`${file}: matrix: ${total} runs (points × strategies × seeds); at most ${MAX_RUNS}`);
  const strategies = await loadStrategies(exp, rawAxes, file, opts);
  const rawPoints = enumeratePoints(rawAxes);
  const pointExperiments = rawPoints.map((p) => applyPoint(exp, p, file));
  // Coordinates as the schema reads them (sizes as byte counts): value j of axis i is at the point whose other digits are 0.
  const axes = rawAxes.map((a, i) => {
    const stride = rawAxes.slice(i + 1).reduce((n, b) => n * b.values.length, 1);
    return { key: a.key, values: a.values.map((v, j) => (a.key.startsWith(STRATEGY_OPTIONS) ? v : getPath(pointExperiments[j * stride], a.key))) };
  });
  const points = enumeratePoints(axes);
  for (const p of points) checkLimits(pointExperiments[p.index]!, file, p.label);
  const tasks: RowTask[] = [];
  for (const p of points) {
    strategies.forEach((s, si) => {
      for (const seed of exp.seeds) {
        const label = `${s.label}${axes.length ? ` @ ${p.label}` : ''}${exp.seeds.length > 1 ? ` seed ${seed}` : ''}`;
        tasks.push({
          id: `${p.id}-s${si}-seed${seed}`,
          pointId: p.id,
          coordinates: p.coordinates,
          label,
          strategyLabel: s.label,
          spec: withOptions(s, p.coordinates),
          seed,
          experiment: pointExperiments[p.index]!,
          fromDir: opts.fromDir,
          conditions: opts.conditions,
          ...(opts.trace ? { trace: true } : {}),
        });
      }
    });
  }
  return { file, experiment: exp, hash: experimentHash(exp), axes, points, pointExperiments, strategies, tasks };
}
