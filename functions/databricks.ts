import { app, InvocationContext, Timer } from '@azure/functions';
import { invocationLogger, logSettings } from '../lib/log';
import { runTimer } from '../lib/timer-run';

export async function databricksTimer(timer: Timer, context: InvocationContext): Promise<void> {
  await runTimer('databricks', timer, invocationLogger(context, logSettings(process.env)), process.env);
}

app.timer('databricks', { schedule: '%DATABRICKS_SCHEDULE%', handler: databricksTimer });
