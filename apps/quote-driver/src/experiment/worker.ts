/** The worker-thread entry (tinypool): one run per task. */
import { runRow, type RowResult, type RowTask } from './run-row.js';

export default function run(task: RowTask): Promise<RowResult> {
  return runRow(task);
}
