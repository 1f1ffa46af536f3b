/**
 * Progress on standard error: on a terminal one redrawn line (runs done/total,
 * ETA, the run that just finished); otherwise one plain line per finished run;
 * nothing with --quiet.
 */

export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
  /** Terminal width (TTY only). */
  columns?: number;
}

export interface Progress {
  /** More runs to wait for (sensitivity adds them as it goes). */
  add(n: number, phase?: string): void;
  /** One run finished. */
  done(label: string, detail: string): void;
  /** Clear the bar (before the table is printed). */
  end(): void;
}

const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export function createProgress(sink: ProgressSink | undefined, now: () => number = () => performance.now()): Progress {
  if (!sink) return { add() {}, done() {}, end() {} };
  const t0 = now();
  let total = 0;
  let finished = 0;
  let phase = '';
  let drawn = false;
  return {
    add(n, p) {
      total += n;
      if (p !== undefined) phase = p;
    },
    done(label, detail) {
      finished++;
      const prefix = phase ? `${phase} ` : '';
      if (!sink.isTTY) {
        sink.write(`  ${prefix}[${finished}/${total}] ${label}: ${detail}\n`);
        return;
      }
      const elapsed = now() - t0;
      const eta = finished < total ? `ETA ${clock((elapsed / finished) * (total - finished))}` : 'done';
      const width = Math.max(40, (sink.columns ?? 100) - 1);
      const bar = 20;
      const fill = Math.round((finished / Math.max(1, total)) * bar);
      const head = `${prefix}[${'#'.repeat(fill)}${'.'.repeat(bar - fill)}] ${finished}/${total} ${eta} `;
      sink.write(`\r\x1b[2K${(head + label).slice(0, width)}`);
      drawn = true;
    },
    end() {
      if (drawn) sink.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
