/**
 * The page's only script, inlined and allowed by its hash in the Content-Security-Policy:
 * click a column header to sort the summary table by the raw values (again to reverse);
 * rows without a value stay at the bottom either way.
 */
export const SORT_SCRIPT = `(() => {
  for (const table of document.querySelectorAll('table.sortable')) {
    const heads = [...table.tHead.rows[0].cells];
    heads.forEach((th, col) => {
      th.querySelector('button').addEventListener('click', () => {
        const dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        for (const h of heads) h.setAttribute('aria-sort', 'none');
        th.setAttribute('aria-sort', dir);
        const numeric = th.classList.contains('num');
        const key = (tr) => {
          const raw = tr.cells[col].dataset.value;
          if (raw === '') return null;
          if (!numeric) return raw;
          const n = Number(raw);
          return Number.isNaN(n) ? raw : n;
        };
        const body = table.tBodies[0];
        const rows = [...body.rows].map((tr, i) => ({ tr, i, k: key(tr) }));
        rows.sort((a, b) => {
          if (a.k === null || b.k === null) return a.k === b.k ? a.i - b.i : a.k === null ? 1 : -1;
          const c = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : String(a.k).localeCompare(String(b.k), 'en', { numeric: true });
          return (dir === 'ascending' ? c : -c) || a.i - b.i;
        });
        for (const r of rows) body.appendChild(r.tr);
      });
    });
  }
})();`;
