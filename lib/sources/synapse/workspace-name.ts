/** Host suffix of Synapse workspace endpoints: `https://<name>.dev.azuresynapse.net`. */
const WORKSPACE_HOST_SUFFIX = '.dev.azuresynapse.net';

/**
 * The name a workspace endpoint is known by: its `workspace_name` label, its `job` (`synapse-workspace-<name>`), its
 * `--json` target and its state keys. Two endpoints that are different workspaces get different names:
 *
 * - `https://contoso.dev.azuresynapse.net` → `contoso` (the workspace's own name, as the connector labels it);
 * - an endpoint with a path (a proxy or an emulator serving several workspaces, `http://127.0.0.1:8080/ws/local`)
 *   → the last path segment (`local`);
 * - any other host → the host as `instance` shows it, with the port when it is not the scheme's default
 *   (`http://127.0.0.1:9001` → `127.0.0.1:9001`), as Prometheus names a target `host:port`.
 *
 * A port that is not the default is kept on a `*.dev.azuresynapse.net` host too (`contoso:8443`), since it can only be
 * a different endpoint. The name depends on the endpoint alone, so adding a workspace never renames another.
 */
export function workspaceNameOf(url: URL): string {
  const host = url.hostname.toLowerCase();
  const port = url.port === '' ? '' : `:${url.port}`; // URL drops the scheme's default port
  if (host.endsWith(WORKSPACE_HOST_SUFFIX) && host.length > WORKSPACE_HOST_SUFFIX.length) {
    return `${host.split('.')[0]!}${port}`;
  }
  const segment = url.pathname.split('/').filter((s) => s !== '').pop();
  if (segment !== undefined) return segment;
  return `${host}${port}`;
}
