/**
 * Sensitivity of the ranking to the cost model: for each point and each cost
 * parameter, the strategies are re-run with the parameter at the low and the
 * high end of its range (one at a time); where the ranking by overhead p50
 * flips, the value where it flips is found by bisection.
 */
import { COST_PARAM_META, type CostParamRange, type CostParams } from '@tdx-shbuf/core';
import type { Executor } from './executor.js';
import type { Experiment } from './experiment-schema.js';
import { didYouMean, ExperimentError } from './matrix.js';
import type { Plan } from './plan.js';
import { flipOf, rank, type Scores, type Tolerance } from './ranking.js';
import type { RunRow } from './results.js';
import type { RowTask } from './run-row.js';

type Settings = NonNullable<Experiment['sensitivity']>;

export interface SensitivityParameter {
  name: string;
  low: number;
  high: number;
  basis: CostParamRange['basis'] | 'given';
  note: string;
}

export interface SensitivitySide {
  value: number;
  ranking: string[][];
  holds: boolean;
}

export interface SensitivityOutcome {
  name: string;
  low: SensitivitySide;
  high: SensitivitySide;
  /** Where the ranking first differs, bisected between the point's value and the side that flips (the high side when both do). */
  flip?: { side: 'low' | 'high'; value: number; lastHolding: number; ranking: string[][]; swapped: [string, string] };
}

export interface SensitivityPoint {
  pointId: string;
  label: string;
  coordinates: Record<string, unknown>;
  ranking: string[][];
  holds: boolean;
  parameters: SensitivityOutcome[];
}

export interface SensitivityResults {
  metric: 'overheadP50Ns';
  tolerance: Tolerance;
  bisectSteps: number;
  parameters: SensitivityParameter[];
  points: SensitivityPoint[];
}

/** Defaults when only --sensitivity was given. */
export const DEFAULT_SENSITIVITY: Settings = { tolerance: { relative: 0.02, absoluteNs: 100 }, bisectSteps: 8 };

/** The parameters to vary and their ranges (fixed ones never), checked against the cost schema. */
export function sensitivityParameters(s: Settings, file: string): SensitivityParameter[] {
  const known = Object.keys(COST_PARAM_META) as (keyof CostParams)[];
  for (const n of [...(s.parameters ?? []), ...Object.keys(s.ranges ?? {})]) {
    if (!known.includes(n as keyof CostParams)) throw new ExperimentError(`${file}: sensitivity: unknown cost parameter "${n}"${didYouMean(n, known)}`);
  }
  const names = (s.parameters as (keyof CostParams)[] | undefined) ?? known.filter((n) => COST_PARAM_META[n].range.basis !== 'fixed' || s.ranges?.[n]);
  return names.map((name) => {
    const given = s.ranges?.[name];
    if (given && !(given[0] < given[1])) throw new ExperimentError(`${file}: sensitivity.ranges.${name}: low ${given[0]} must be less than high ${given[1]}`);
    const r = COST_PARAM_META[name].range;
    return given ? { name, low: given[0], high: given[1], basis: 'given', note: 'given by the experiment' } : { name, low: r.low, high: r.high, basis: r.basis, note: r.note };
  });
}

/** Mean metric over the seeds whose run is ok, per strategy label (strategies with none left out). */
function scoresOf(rows: readonly RunRow[], labels: readonly string[]): Scores {
  const scores: Scores = new Map();
  for (const l of labels) {
    const v = rows.filter((r) => r.strategy.label === l && r.status === 'ok' && r.overheadP50Ns !== undefined).map((r) => r.overheadP50Ns!);
    if (v.length) scores.set(l, v.reduce((a, b) => a + b, 0) / v.length);
  }
  return scores;
}

export interface SensitivityRun {
  plan: Plan;
  settings: Settings;
  parameters: SensitivityParameter[];
  /** Baseline rows of the points to analyse. */
  rows: readonly RunRow[];
  pointIndexes: readonly number[];
  executor: Executor;
}

export async function runSensitivity(r: SensitivityRun): Promise<SensitivityResults> {
  const { plan, settings } = r;
  const t = settings.tolerance;
  const labels = plan.strategies.map((s) => s.label);
  const points = await Promise.all(
    r.pointIndexes.map(async (pi): Promise<SensitivityPoint> => {
      const point = plan.points[pi]!;
      const baseRows = r.rows.filter((x) => x.pointId === point.id);
      const base = scoresOf(baseRows, labels);
      // only strategies that ran are re-run
      const tasks = plan.tasks.filter((x) => x.pointId === point.id && base.has(x.strategyLabel));
      const cost = plan.pointExperiments[pi]!.platform.cost;
      const at = async (name: string, value: number): Promise<Scores> => {
        if (value === cost[name as keyof CostParams]) return base;
        const rows = await Promise.all(tasks.map((task) => r.executor.run(vary(task, name, value)).then((res) => res.row)));
        return scoresOf(rows, labels);
      };
      const side = async (name: string, value: number): Promise<[SensitivitySide, Scores]> => {
        const s = await at(name, value);
        return [{ value, ranking: rank(s, t), holds: !flipOf(base, s, t) }, s];
      };
      const parameters = await Promise.all(
        r.parameters.map(async (p): Promise<SensitivityOutcome> => {
          const [[low, lowScores], [high, highScores]] = await Promise.all([side(p.name, p.low), side(p.name, p.high)]);
          const out: SensitivityOutcome = { name: p.name, low, high };
          const flipSide = !high.holds ? 'high' : !low.holds ? 'low' : undefined;
          if (flipSide) {
            let hold = cost[p.name as keyof CostParams];
            let flip = flipSide === 'high' ? high.value : low.value;
            let flipScores = flipSide === 'high' ? highScores : lowScores;
            for (let i = 0; i < settings.bisectSteps; i++) {
              const mid = (hold + flip) / 2;
              const s = await at(p.name, mid);
              if (flipOf(base, s, t)) [flip, flipScores] = [mid, s];
              else hold = mid;
            }
            out.flip = { side: flipSide, value: flip, lastHolding: hold, ranking: rank(flipScores, t), swapped: flipOf(base, flipScores, t)! };
          }
          return out;
        }),
      );
      return { pointId: point.id, label: point.label, coordinates: point.coordinates, ranking: rank(base, t), holds: parameters.every((p) => p.low.holds && p.high.holds), parameters };
    }),
  );
  return { metric: 'overheadP50Ns', tolerance: t, bisectSteps: settings.bisectSteps, parameters: r.parameters, points };
}

/** The task with one cost parameter changed (no trace). */
function vary(task: RowTask, name: string, value: number): RowTask {
  const e = task.experiment;
  const { trace: _, ...rest } = task;
  return { ...rest, id: `${task.id}~${name}=${value}`, experiment: { ...e, platform: { ...e.platform, cost: { ...e.platform.cost, [name]: value } } } };
}
