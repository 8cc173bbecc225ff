import { app, InvocationContext, output, Timer } from '@azure/functions';
import { COLLECT_QUEUE } from '../lib/fanout/message';
import { invocationLogger, logSettings } from '../lib/log';
import { runTimer } from '../lib/timer-run';

/** With FANOUT=queue the timer plans slices onto this queue; the `collect` function works them off. */
export const collectQueue = output.storageQueue({ queueName: COLLECT_QUEUE, connection: 'AzureWebJobsStorage' });

export async function synapseTimer(timer: Timer, context: InvocationContext): Promise<void> {
  await runTimer('synapse', timer, invocationLogger(context, logSettings(process.env)), process.env, (messages) => context.extraOutputs.set(collectQueue, messages));
}

app.timer('synapse', { schedule: '%SYNAPSE_SCHEDULE%', extraOutputs: [collectQueue], handler: synapseTimer });
