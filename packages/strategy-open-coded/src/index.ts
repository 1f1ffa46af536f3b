export { default } from './strategy.js';
export { openCodedOptions, type OpenCodedOptions } from './options.js';
export { mapGpa, MAX_RETRIES_PER_PAGE, type MapGpaOutcome } from './map-gpa.js';
export { acceptRange } from './accept.js';
