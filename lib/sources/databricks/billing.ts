import type { Domain } from './domain';

/**
 * Billing: DBUs and list-price cost per workspace, SKU and usage date over the last N days, and price changes per SKU.
 * Cost joins each usage row to the USD price in force at its start (same SKU, cloud and unit), preferring
 * `pricing.effective_list.default` (promotions applied) over `pricing.default`. All record types are summed, so
 * retractions and restatements net out. Only `usage_unit = 'DBU'` counts as DBUs (other units are never added in;
 * they still count in cost, priced in their own unit). The window is `usage_date >= current_date() - N days` (N full
 * days plus today, by usage_date, so it steps at 00:00 UTC like the exporter's). A price change is a USD price row of
 * the same (sku, cloud, unit) that follows an earlier one and starts inside the price window: one change counts once,
 * a SKU's first-ever listing is not a change. Samples carry the cycle's timestamp, not the usage date (the label does).
 */
export const billing: Domain = {
  name: 'billing',
  tables: ['billing.usage', 'billing.list_prices'],
  metadata: [
    { name: 'databricks_billing_dbus_total', type: 'gauge', help: 'DBUs consumed per workspace, SKU and usage date over the billing window (net of corrections; a gauge: days are restated).' },
    { name: 'databricks_billing_cost_estimate_usd', type: 'gauge', help: 'Estimated list-price cost in USD per workspace, SKU and usage date, at the price in force when the usage happened.' },
    { name: 'databricks_price_change_events', type: 'gauge', help: 'List-price changes per SKU that took effect in the price-change window.' },
  ],
  sql(c) {
    const cat = c.catalog;
    return `WITH usage_rows AS (
  SELECT workspace_id, sku_name, cloud, usage_unit, usage_date, usage_start_time, CAST(usage_quantity AS DOUBLE) AS quantity
  FROM ${cat}.billing.usage
  WHERE usage_date >= date_sub(current_date(), ${c.windows.billingDays})
    AND workspace_id IS NOT NULL AND sku_name IS NOT NULL AND usage_quantity IS NOT NULL AND usage_date IS NOT NULL
),
prices AS (
  SELECT sku_name, cloud, usage_unit, price_start_time, price_end_time,
         CAST(COALESCE(pricing.effective_list.default, pricing.default) AS DOUBLE) AS unit_price
  FROM ${cat}.billing.list_prices
  WHERE currency_code = 'USD'
),
changes AS (
  SELECT sku_name, price_start_time,
         LAG(price_start_time) OVER (PARTITION BY sku_name, cloud, usage_unit, currency_code ORDER BY price_start_time) AS previous_start
  FROM ${cat}.billing.list_prices
  WHERE currency_code = 'USD'
)
SELECT 'dbus' AS metric, workspace_id, sku_name AS k, CAST(usage_date AS STRING) AS k2, SUM(quantity) AS v
FROM usage_rows WHERE usage_unit = 'DBU' GROUP BY workspace_id, sku_name, usage_date
UNION ALL
SELECT 'cost', u.workspace_id, u.sku_name, CAST(u.usage_date AS STRING), SUM(u.quantity * p.unit_price)
FROM usage_rows u JOIN prices p
  ON u.sku_name = p.sku_name AND u.cloud = p.cloud AND u.usage_unit = p.usage_unit
 AND u.usage_start_time >= p.price_start_time AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
GROUP BY u.workspace_id, u.sku_name, u.usage_date
UNION ALL
SELECT 'price_changes', '', sku_name, '', CAST(COUNT(*) AS DOUBLE)
FROM changes
WHERE previous_start IS NOT NULL AND price_start_time >= current_timestamp() - INTERVAL ${c.windows.priceChangeDays} DAYS
GROUP BY sku_name`;
  },
  toPoints(r) {
    if (r.metric === 'dbus' || r.metric === 'cost') {
      if (!r.workspaceId || !r.k || !r.k2) return undefined;
      const name = r.metric === 'dbus' ? 'databricks_billing_dbus_total' : 'databricks_billing_cost_estimate_usd';
      return [{ name, labels: { workspace_id: r.workspaceId, sku_name: r.k, usage_date: r.k2 }, value: r.value }];
    }
    if (r.metric === 'price_changes' && r.k) return [{ name: 'databricks_price_change_events', labels: { sku_name: r.k }, value: r.value }];
    return undefined;
  },
};
