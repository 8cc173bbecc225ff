/**
 * The exact words a user reads, written out here (not imported from lib/) so that a change to them is a visible
 * change to these tests.
 */
export const IDENTITY_FIX =
  'To fix: in Azure, assign a user-assigned managed identity to the app and set AZURE_CLIENT_ID to its client id; ' +
  'on a workstation, run `az login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET for a service principal; ' +
  'in Kubernetes, use workload identity (a service account federated with the identity, AZURE_CLIENT_ID and AZURE_TENANT_ID)';

/** Everything a run printed, for "the secret appears nowhere" checks. */
export function everything(run: { stdout: string; stderr: string }): string {
  return run.stdout + run.stderr;
}
