import { app, InvocationContext } from '@azure/functions';
import { COLLECT_QUEUE } from '../lib/fanout/message';
import { invocationLogger, logSettings } from '../lib/log';
import { runCollect } from '../lib/timer-run';

export async function collectWorker(message: unknown, context: InvocationContext): Promise<void> {
  await runCollect(message, invocationLogger(context, logSettings(process.env)), process.env);
}

app.storageQueue('collect', { queueName: COLLECT_QUEUE, connection: 'AzureWebJobsStorage', handler: collectWorker });
