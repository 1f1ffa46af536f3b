/** The page's stylesheet (inline: the report is one file). */
export const PAGE_STYLE = `
:root { --fg: #1d1d1f; --muted: #5b5b60; --line: #e3e3e6; --bg-soft: #f6f7f9; --accent: #1f4e79; --warn: #b3261e; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); margin: 0; background: #fff; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 32px 64px; }
header.top { border-bottom: 1px solid var(--line); padding-bottom: 12px; margin-bottom: 8px; }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 36px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 4px; }
p.lede { font-size: 15px; margin: 4px 0 8px; max-width: 90ch; }
p.meta, .muted { color: var(--muted); }
nav.toc { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; margin: 8px 0 0; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
.glance { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; margin: 16px 0; }
.glance h2 { border: 0; margin: 4px 0; padding: 0; font-size: 16px; }
.glance ul { margin: 4px 0; padding-left: 20px; }
.glance li { margin: 2px 0; }
.flag { color: var(--warn); font-weight: 600; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; max-height: 75vh; }
table.sortable { border-collapse: separate; border-spacing: 0; font-size: 12.5px; font-variant-numeric: tabular-nums; width: max-content; min-width: 100%; }
table.sortable th { position: sticky; top: 0; background: #eef1f5; z-index: 1; border-bottom: 1px solid #cfd4db; padding: 0; white-space: nowrap; }
table.sortable th button { all: unset; cursor: pointer; display: block; padding: 6px 8px; width: 100%; box-sizing: border-box; font-weight: 600; }
table.sortable th.num button { text-align: right; }
table.sortable th.txt button { text-align: left; }
table.sortable th button:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
table.sortable th[aria-sort="ascending"] button::after { content: " ▲"; font-size: 10px; }
table.sortable th[aria-sort="descending"] button::after { content: " ▼"; font-size: 10px; }
table.sortable td { padding: 4px 8px; border-bottom: 1px solid #f0f0f2; white-space: nowrap; }
table.sortable td.num { text-align: right; }
table.sortable tbody tr:nth-child(even) td { background: #fafbfc; }
table.sortable tbody tr:hover td { background: #eef4fb; }
tr.not-run td { color: #8a8a8f; }
tr.unexpected td { background: #fdecea !important; }
.badge { display: inline-block; font-size: 10.5px; font-weight: 600; color: #fff; background: var(--warn); border-radius: 3px; padding: 0 4px; margin-left: 4px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
figure { margin: 20px 0 28px; }
figure .chart { overflow-x: auto; }
figure svg { display: block; max-width: none; height: auto; }
figcaption { color: var(--muted); font-size: 13px; max-width: 100ch; margin-top: 4px; }
figure h3 { margin-bottom: 6px; }
.omitted { color: var(--muted); font-style: italic; border-left: 3px solid var(--line); padding-left: 10px; }
details { margin: 8px 0; }
details > summary { cursor: pointer; font-weight: 600; }
details.point > summary { font-weight: 500; }
pre { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow-x: auto; font-size: 12px; }
table.plain { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
table.plain th, table.plain td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
table.plain td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.plain ul { margin: 0; padding-left: 18px; }
ul.notrun li, ul.strategies li { margin: 2px 0; }
code { font-size: 12.5px; }
`;
