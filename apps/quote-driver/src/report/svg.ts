/**
 * Vega-Lite specs compiled and rendered to SVG in Node, at report time: the page carries the
 * finished drawing, not a plotting library, so it opens offline with scripts disabled.
 * Without a canvas package Vega estimates text widths from character counts, which is enough
 * for axis layout.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The look every chart shares: fonts, axis and legend styling. */
export const CHART_CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif',
  background: 'white',
  padding: 8,
  view: { stroke: '#d0d0d0' },
  title: { fontSize: 14, fontWeight: 600, anchor: 'start', offset: 10, subtitleColor: '#555', subtitleFontSize: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, gridColor: '#ececec', domainColor: '#888', tickColor: '#888', labelColor: '#333' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, labelLimit: 320, symbolStrokeWidth: 2 },
  header: { labelFontSize: 12, labelFontWeight: 600, titleFontSize: 12 },
  line: { strokeWidth: 2 },
  point: { size: 50, filled: true },
} as const;

/** Path coordinates to 1/100 px: the drawing is the same, the file a third smaller. */
const roundCoord = (n: string) => String(Math.round(Number(n) * 100) / 100);

/** A Vega logger that passes warnings and errors to `warn` instead of the console. */
function vegaLogger(warn: (...args: unknown[]) => void) {
  const logger = vega.logger(vega.Warn);
  const pass = (...a: unknown[]) => {
    warn(...a);
    return logger;
  };
  return Object.assign(logger, { warn: pass, error: pass, info: () => logger, debug: () => logger });
}

/**
 * Render one Vega-Lite spec to an SVG string. Vega numbers clip paths and gradients with a
 * process-wide counter; it is reset before each chart and its ids get `idPrefix` (unique in the
 * page), so many charts inlined in one page never share an id and the same results render to the
 * same bytes however many reports the process drew before (merged shards equal an unsharded run).
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string, onWarning: (message: string) => void = () => {}): Promise<string> {
  const warn = (...args: unknown[]) => onWarning(args.map(String).join(' '));
  const compiled = compile({ ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec, { logger: vegaLogger(warn) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: vegaLogger(warn) });
  try {
    vega.resetSVGDefIds();
    const svg = await view.toSVG();
    const prefix = `${idPrefix}-`;
    return svg
      .replace(/ d="([^"]*)"/g, (_, d: string) => ` d="${d.replace(/-?\d+\.\d{3,}(e-?\d+)?/g, roundCoord)}"`)
      .replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
      .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
      .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
  } finally {
    view.finalize();
  }
}
