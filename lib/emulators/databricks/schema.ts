/**
 * The Databricks system tables the emulator holds, with their documented columns, as DuckDB types. Timestamps are
 * read as TIMESTAMPTZ (so ISO offsets are honoured) and stored as UTC TIMESTAMP. Money and quantities are
 * DECIMAL(30,10): enough for DBUs and prices without DuckDB's DECIMAL(38) multiplication overflow.
 */
export const SYSTEM_TABLES: Record<string, Record<string, string>> = {
  'billing.usage': {
    record_id: 'VARCHAR', account_id: 'VARCHAR', workspace_id: 'VARCHAR', sku_name: 'VARCHAR', cloud: 'VARCHAR',
    usage_start_time: 'TIMESTAMP', usage_end_time: 'TIMESTAMP', usage_date: 'DATE', custom_tags: 'MAP(VARCHAR, VARCHAR)',
    usage_unit: 'VARCHAR', usage_quantity: 'DECIMAL(30,10)',
    usage_metadata: 'STRUCT(cluster_id VARCHAR, warehouse_id VARCHAR, job_id VARCHAR, job_run_id VARCHAR, job_name VARCHAR, notebook_id VARCHAR, dlt_pipeline_id VARCHAR, dlt_update_id VARCHAR, endpoint_name VARCHAR, node_type VARCHAR, run_name VARCHAR)',
    identity_metadata: 'STRUCT(run_as VARCHAR, owned_by VARCHAR, created_by VARCHAR)',
    record_type: 'VARCHAR', ingestion_date: 'DATE', billing_origin_product: 'VARCHAR',
    product_features: 'STRUCT(is_serverless BOOLEAN, is_photon BOOLEAN, jobs_tier VARCHAR, sql_tier VARCHAR, dlt_tier VARCHAR)',
    usage_type: 'VARCHAR',
  },
  'billing.list_prices': {
    price_start_time: 'TIMESTAMP', price_end_time: 'TIMESTAMP', account_id: 'VARCHAR', sku_name: 'VARCHAR', cloud: 'VARCHAR',
    currency_code: 'VARCHAR', usage_unit: 'VARCHAR',
    pricing: 'STRUCT("default" DECIMAL(30,10), promotional STRUCT("default" DECIMAL(30,10)), effective_list STRUCT("default" DECIMAL(30,10)))',
  },
  'lakeflow.jobs': {
    account_id: 'VARCHAR', workspace_id: 'VARCHAR', job_id: 'VARCHAR', name: 'VARCHAR', description: 'VARCHAR', creator_id: 'VARCHAR',
    run_as: 'VARCHAR', tags: 'MAP(VARCHAR, VARCHAR)', change_time: 'TIMESTAMP', delete_time: 'TIMESTAMP',
  },
  'lakeflow.job_run_timeline': {
    account_id: 'VARCHAR', workspace_id: 'VARCHAR', job_id: 'VARCHAR', run_id: 'VARCHAR', period_start_time: 'TIMESTAMP',
    period_end_time: 'TIMESTAMP', trigger_type: 'VARCHAR', run_type: 'VARCHAR', run_name: 'VARCHAR', compute_ids: 'VARCHAR[]',
    result_state: 'VARCHAR', termination_code: 'VARCHAR', job_parameters: 'MAP(VARCHAR, VARCHAR)',
  },
  'lakeflow.job_task_run_timeline': {
    account_id: 'VARCHAR', workspace_id: 'VARCHAR', job_id: 'VARCHAR', run_id: 'VARCHAR', job_run_id: 'VARCHAR', parent_run_id: 'VARCHAR',
    task_key: 'VARCHAR', period_start_time: 'TIMESTAMP', period_end_time: 'TIMESTAMP', compute_ids: 'VARCHAR[]', result_state: 'VARCHAR',
    termination_code: 'VARCHAR',
  },
  'lakeflow.pipelines': {
    account_id: 'VARCHAR', workspace_id: 'VARCHAR', pipeline_id: 'VARCHAR', pipeline_type: 'VARCHAR', name: 'VARCHAR', created_by: 'VARCHAR',
    run_as: 'VARCHAR', tags: 'MAP(VARCHAR, VARCHAR)', change_time: 'TIMESTAMP', delete_time: 'TIMESTAMP',
  },
  'lakeflow.pipeline_update_timeline': {
    account_id: 'VARCHAR', workspace_id: 'VARCHAR', pipeline_id: 'VARCHAR', update_id: 'VARCHAR', update_type: 'VARCHAR', request_id: 'VARCHAR',
    run_as_user_name: 'VARCHAR', trigger_type: 'VARCHAR', result_state: 'VARCHAR', period_start_time: 'TIMESTAMP', period_end_time: 'TIMESTAMP',
  },
  'query.history': {
    account_id: 'VARCHAR', workspace_id: 'VARCHAR', statement_id: 'VARCHAR', session_id: 'VARCHAR', execution_status: 'VARCHAR',
    compute: 'STRUCT(type VARCHAR, cluster_id VARCHAR, warehouse_id VARCHAR)', executed_by_user_id: 'VARCHAR', executed_by: 'VARCHAR',
    statement_text: 'VARCHAR', statement_type: 'VARCHAR', error_message: 'VARCHAR', client_application: 'VARCHAR', client_driver: 'VARCHAR',
    total_duration_ms: 'BIGINT', waiting_for_compute_duration_ms: 'BIGINT', waiting_at_capacity_duration_ms: 'BIGINT',
    execution_duration_ms: 'BIGINT', compilation_duration_ms: 'BIGINT', result_fetch_duration_ms: 'BIGINT',
    start_time: 'TIMESTAMP', end_time: 'TIMESTAMP', update_time: 'TIMESTAMP', read_bytes: 'BIGINT', produced_rows: 'BIGINT', from_result_cache: 'BOOLEAN',
  },
  'compute.warehouse_events': {
    account_id: 'VARCHAR', workspace_id: 'VARCHAR', warehouse_id: 'VARCHAR', event_type: 'VARCHAR', cluster_count: 'INTEGER', event_time: 'TIMESTAMP',
  },
};
