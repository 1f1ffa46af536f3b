import { describe } from 'vitest';
import type { StrategyDefinition } from '@tdx-shbuf/core';
import { subjectOf, type ConformanceOptions } from './rig.js';
import { lifecycleGroups } from './groups/lifecycle.js';
import { dataGroups } from './groups/data.js';
import { faultGroups } from './groups/injected-faults.js';
import { capabilityGroups } from './groups/capabilities.js';

/**
 * Register the conformance suite for `strategy` in the calling vitest file.
 * Every test boots a fresh Machine, builds the allocator with the parsed
 * options and runs `init()`; groups run or skip only by declared capabilities.
 */
export function describeAllocatorConformance<S extends StrategyDefinition['options']>(strategy: StrategyDefinition<S>, config: ConformanceOptions = {}): void {
  const subject = subjectOf(strategy as unknown as StrategyDefinition, config);
  describe(config.label ?? `${strategy.meta.name} conformance`, () => {
    lifecycleGroups(subject);
    dataGroups(subject);
    faultGroups(subject);
    capabilityGroups(subject);
  });
}
