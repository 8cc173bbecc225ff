import type { ReportPanel } from './report-panels';

export type PanelOutcome =
  | { panel: ReportPanel; status: 'chart'; svg: string; series: number; points: number; exprs: string[] }
  | { panel: ReportPanel; status: 'empty'; exprs: string[] }
  | { panel: ReportPanel; status: 'error'; error: string; exprs: string[] };

export interface ReportPage {
  title: string;
  /** Lines under the title: range, endpoint, when. */
  subtitle: string[];
  outcomes: PanelOutcome[];
  rangeText: string;
}

/** No script, no network: the page may load nothing at all (inline styles and inline SVG only). */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
  body { font-family: sans-serif; margin: 24px; color: #222; background: #f6f7f9; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  .sub { color: #555; font-size: 13px; margin: 2px 0; }
  h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
  .grid { display: flex; flex-wrap: wrap; gap: 16px; }
  .panel { background: white; border: 1px solid #ddd; border-radius: 6px; padding: 12px 14px; width: 600px; box-sizing: border-box; }
  .panel h3 { font-size: 15px; margin: 0 0 8px; }
  .panel svg { max-width: 100%; height: auto; }
  .empty { color: #666; font-style: italic; padding: 40px 0; text-align: center; }
  .error { color: #a00; padding: 20px 0; white-space: pre-wrap; }
  details { font-size: 12px; color: #555; margin-top: 6px; }
  code { font-family: monospace; font-size: 12px; word-break: break-all; }
`;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function panelHtml(o: PanelOutcome, rangeText: string): string {
  let body: string;
  switch (o.status) {
    case 'chart':
      body = `<div class="chart">${o.svg}</div>`;
      break;
    case 'empty':
      body = `<p class="empty">No data: the query returned nothing for the last ${escapeHtml(rangeText)}.</p>`;
      break;
    case 'error':
      body = `<p class="error">The query failed: ${escapeHtml(o.error)}</p>`;
      break;
  }
  const queries = o.exprs.map((e) => `<div><code>${escapeHtml(e)}</code></div>`).join('');
  return `<section class="panel" data-status="${o.status}"><h3>${escapeHtml(o.panel.title)}</h3>${body}<details><summary>PromQL</summary>${queries}</details></section>`;
}

/** One self-contained HTML file: panels grouped by section, in table order. */
export function reportHtml(page: ReportPage): string {
  const sections: string[] = [];
  let current: string | undefined;
  let panels: string[] = [];
  const flush = () => {
    if (current !== undefined) sections.push(`<h2>${escapeHtml(current)}</h2><div class="grid">${panels.join('\n')}</div>`);
  };
  for (const o of page.outcomes) {
    if (o.panel.section !== current) {
      flush();
      current = o.panel.section;
      panels = [];
    }
    panels.push(panelHtml(o, page.rangeText));
  }
  flush();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
${page.subtitle.map((s) => `<p class="sub">${escapeHtml(s)}</p>`).join('\n')}
${sections.join('\n')}
</body>
</html>
`;
}
