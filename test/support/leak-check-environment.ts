/**
 * Jest's node environment, plus the moment the leak check needs: after the test file's last afterAll hook, it asks
 * leak-check.ts (loaded by setupFilesAfterEnv into the file's own module registry) what is still open, and fails
 * the file with that report. Each test's results are kept; the file is marked failed with the report beneath them.
 */
import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';

const LEAK_CHECK_FINISH = Symbol.for('smsq.leakCheck.finish');

/** Put into the file's results: jest prints the message, the report; a stack of this module's frames would say nothing. */
class LeakError extends Error {
  constructor(report: string) {
    super(report);
    this.name = 'LeakError';
    this.stack = report.split('\n')[0];
  }
}

export default class LeakCheckEnvironment extends TestEnvironment {
  async handleTestEvent(event: Circus.AsyncEvent | Circus.SyncEvent, state: Circus.State): Promise<void> {
    // run_finish comes after the root describe block's afterAll hooks, the file's own among them.
    if (event.name !== 'run_finish') return;
    const finish = (this.global as unknown as Record<symbol, (() => Promise<string | undefined>) | undefined>)[LEAK_CHECK_FINISH];
    const report = await finish?.();
    if (report) state.unhandledErrors.push(new LeakError(report));
  }
}
