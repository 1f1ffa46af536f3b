import { z } from 'zod';
import { platformSchema } from '@tdx-shbuf/core';
import { experimentSchema } from './experiment-schema.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema> };

const SIZE_KEYS = ['memoryBytes', 'swiotlbBytes', 'kernelImageBytes'];

/**
 * The JSON Schema shipped as schema/tdx-shbuf.experiment.schema.json (input side).
 * An experiment's `platform` is core's platform schema with sizes also accepted as
 * "16GiB"; zod sees that as a transform, so the editor-facing schema is assembled
 * from core's keys with the size spelling of the experiment schema.
 */
export function experimentJsonSchema(): Record<string, unknown> {
  const toJson = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const exp = toJson(experimentSchema);
  const { $schema: _, ...core } = toJson(platformSchema);
  const asWritten = exp.properties!.platform!;
  const properties = { ...core.properties };
  for (const key of SIZE_KEYS) {
    const coreKey = properties[key];
    const size = asWritten.properties?.[key];
    if (!coreKey || !size) throw new Error(`experiment platform: no "${key}" in core's platform schema or the experiment's size keys`);
    const { type: _t, minimum: _min, maximum: _max, exclusiveMinimum: _emin, multipleOf: _m, ...described } = coreKey;
    properties[key] = { ...described, ...size };
  }
  exp.properties!.platform = { ...core, description: asWritten.description, default: asWritten.default, properties };
  return { title: 'tdx-shbuf experiment', ...exp };
}
