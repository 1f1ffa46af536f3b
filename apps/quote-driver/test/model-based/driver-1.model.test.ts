/**
 * Model-based property tests at the driver level (issue 13 item 7), part 1:
 * direct-map, vmap-noalias, open-coded. See driver-model.ts and README.md.
 */
import { describeDriverModel } from './driver-model.js';

describeDriverModel(['direct-map', 'vmap-noalias', 'open-coded']);
