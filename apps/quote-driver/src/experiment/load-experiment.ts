import path from 'node:path';
import { DATA_FILE_EXTENSIONS, readDataFile } from '../data-file.js';
import { parseExperiment, type Experiment } from './experiment-schema.js';

/** Read and validate an experiment file (.yaml/.yml, .json, or .ts/.mts/.js/.mjs default-exporting defineExperiment). */
export async function loadExperimentFile(file: string): Promise<Experiment> {
  const ext = path.extname(file).toLowerCase();
  if (!DATA_FILE_EXTENSIONS.includes(ext)) throw new Error(`${file}: unknown experiment file type "${ext}" (use .yaml, .json or .ts)`);
  return parseExperiment(await readDataFile(file, `${file}: cannot read`), file);
}
