// Core-internal entry (`@tdx-shbuf/core/internal`): the machine's parts, for core's own bench.
// Nothing outside packages/core may import it (scripts/check-boundaries.ts enforces that).
export { testMachine, type TestMachine } from './model/test-machine.js';
