import { createLogger } from '../../shared/logger.ts';
import { startSimulator } from './simulator.ts';
import { simulatorOptionsFromEnv } from './simulator-env.ts';

/** `callcast simulator`: runs the gateway simulator until SIGTERM/SIGINT. */
export async function runSimulatorCommand(env: Record<string, string | undefined>): Promise<number> {
  const logger = createLogger({ level: env.LOG_LEVEL ?? 'info' });
  const simulator = await startSimulator(simulatorOptionsFromEnv(env));
  const options = simulator.options();
  logger.info(
    {
      url: simulator.url,
      tokenUrl: simulator.tokenUrl,
      callsPerSecond: options.callsPerSecond,
      timeScale: options.timeScale,
      signing: options.signatureSecret !== undefined,
    },
    'gateway simulator listening',
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'gateway simulator stopping');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await simulator.close();
  return 0;
}
