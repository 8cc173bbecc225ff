import type { TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };
import type { PanelKind, PanelUnit } from './report-panels';

/** One point of a chart: `x` is a usage date (`YYYY-MM-DD`) for daily bars, epoch ms for lines. */
export interface ChartPoint {
  x: string | number;
  series: string;
  value: number;
}

const WIDTH = 520;
const HEIGHT = 200;

const AXIS_FORMAT: Record<PanelUnit, { format: string; title: string }> = {
  usd: { format: '$,.0f', title: 'USD' },
  dbu: { format: ',.0f', title: 'DBU' },
  count: { format: ',~r', title: '' },
  ratio: { format: '.0%', title: '' },
  seconds: { format: ',.1f', title: 'seconds' },
  bytes: { format: '~s', title: 'bytes' },
};

/**
 * The Vega-Lite spec of one panel: stacked daily bars or one line (with points) per series, all in UTC. A line chart's
 * time axis spans `timeDomainMs` (the report's range), so recent data sits at the right edge as in Grafana.
 */
export function chartSpec(kind: PanelKind, unit: PanelUnit, points: readonly ChartPoint[], timeDomainMs?: [number, number]): TopLevelSpec {
  const y = { field: 'value', type: 'quantitative' as const, axis: { format: AXIS_FORMAT[unit].format, title: AXIS_FORMAT[unit].title || null } };
  const color = { field: 'series', type: 'nominal' as const, title: null, legend: { orient: 'bottom' as const, columns: 3, labelLimit: 220 } };
  const common = {
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    data: { values: points.map((p) => ({ ...p })) },
    config: { font: 'sans-serif', view: { stroke: '#ddd' }, axis: { labelColor: '#333', titleColor: '#333' } },
  };
  if (kind === 'daily-bars') {
    return {
      ...common,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'x', type: 'ordinal', title: null, sort: 'ascending', axis: { labelAngle: -45 } },
        y: { ...y, aggregate: 'sum', stack: 'zero' },
        color,
        tooltip: [
          { field: 'x', type: 'ordinal', title: 'day' },
          { field: 'series', type: 'nominal' },
          { field: 'value', type: 'quantitative', aggregate: 'sum', format: AXIS_FORMAT[unit].format },
        ],
      },
    };
  }
  return {
    ...common,
    mark: { type: 'line', point: { size: 24 }, interpolate: 'linear' },
    encoding: {
      x: { field: 'x', type: 'temporal', scale: { type: 'utc', ...(timeDomainMs ? { domain: timeDomainMs } : {}) }, title: null, axis: { format: '%b %d %H:%M', labelAngle: 0, labelOverlap: true } },
      y,
      color,
    },
  };
}

type VegaModule = typeof import('vega', { with: { 'resolution-mode': 'import' } });
type VegaLiteModule = typeof import('vega-lite', { with: { 'resolution-mode': 'import' } });
let modules: Promise<[VegaModule, VegaLiteModule]> | undefined;

/** Vega and Vega-Lite are ES modules: loaded once, on the first chart, by a real dynamic import. */
function loadVega(): Promise<[VegaModule, VegaLiteModule]> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]);
  return modules;
}

/** Compiles the spec and renders it headless (renderer 'none': no canvas package, no DOM) to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await loadVega();
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
