/** Runs the CLI in-process with captured output, as the command tests do. */
import { processIo } from '../src/io.js';
import { main } from '../src/main.js';

/** `tdx-shbuf …argv` with `cwd` as the working folder (default: the process's); resolves to its exit code and output. */
export async function runCli(argv: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readFile: processIo.readFile,
    ...(cwd === undefined ? {} : { cwd: () => cwd }),
  });
  return { code, stdout, stderr };
}
