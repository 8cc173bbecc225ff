/** The `data` object of a Prometheus HTTP API query answer, as the API documents it. */

/** `[<unix seconds>, "<value>"]` */
export type SamplePair = [number, string];

export interface VectorItem {
  metric: Record<string, string>;
  value: SamplePair;
}

export interface MatrixItem {
  metric: Record<string, string>;
  values: SamplePair[];
}

export type QueryData =
  | { resultType: 'vector'; result: VectorItem[] }
  | { resultType: 'matrix'; result: MatrixItem[] }
  | { resultType: 'scalar'; result: SamplePair }
  | { resultType: 'string'; result: SamplePair };

export interface QueryAnswer {
  data: QueryData;
  /** The `data` object exactly as the API sent it (for `--format json`). */
  rawData: unknown;
  /** `warnings` and `infos` of the answer. */
  warnings: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSamplePair(v: unknown): v is SamplePair {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string';
}

function isLabels(v: unknown): v is Record<string, string> {
  return isRecord(v) && Object.values(v).every((x) => typeof x === 'string');
}

/**
 * Accepts the `data` object of a successful answer, or returns a description of what is wrong with it. Native
 * histogram samples (`histogram`/`histograms` instead of `value`/`values`) are dropped: they have no single value.
 */
export function parseQueryData(raw: unknown): QueryData | string {
  if (!isRecord(raw)) return 'data is not an object';
  const { resultType, result } = raw;
  switch (resultType) {
    case 'scalar':
    case 'string':
      return isSamplePair(result) ? { resultType, result } : `${resultType} result is not [time, "value"]`;
    case 'vector': {
      if (!Array.isArray(result)) return 'vector result is not an array';
      const items: VectorItem[] = [];
      for (const item of result) {
        if (!isRecord(item) || !isLabels(item.metric)) return 'vector item without a metric object';
        if (isSamplePair(item.value)) items.push({ metric: item.metric, value: item.value });
        else if (item.histogram === undefined) return 'vector item without a value';
      }
      return { resultType, result: items };
    }
    case 'matrix': {
      if (!Array.isArray(result)) return 'matrix result is not an array';
      const items: MatrixItem[] = [];
      for (const item of result) {
        if (!isRecord(item) || !isLabels(item.metric)) return 'matrix item without a metric object';
        const values = item.values ?? [];
        if (!Array.isArray(values) || !values.every(isSamplePair)) return 'matrix item values are not [time, "value"] pairs';
        if (values.length > 0 || item.histograms === undefined) items.push({ metric: item.metric, values });
      }
      return { resultType, result: items };
    }
    default:
      return `unknown resultType ${JSON.stringify(resultType)}`;
  }
}
