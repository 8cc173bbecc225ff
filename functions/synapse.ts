import { app, InvocationContext, Timer } from '@azure/functions';
import { invocationLogger, logSettings } from '../lib/log';
import { runTimer } from '../lib/timer-run';

export async function synapseTimer(timer: Timer, context: InvocationContext): Promise<void> {
  await runTimer('synapse', timer, invocationLogger(context, logSettings(process.env)), process.env);
}

app.timer('synapse', { schedule: '%SYNAPSE_SCHEDULE%', handler: synapseTimer });
