// Stage timings for the operator log: each stage begins when the previous one ends, and ending
// one logs `stage.<name>` with its duration in ms.
import type { RunStage } from '../sync/run.js';
import type { EventCode, Logger } from './logger.js';

export type Stage = 'load' | 'validate' | RunStage;

/** Times consecutive stages: each begins when the previous one ends. */
export class StageClock {
  private current: { stage: string; detail?: string; start: number } | null = null;
  constructor(private readonly logger: Logger) {}

  begin(stage: Stage, detail?: string): void {
    this.end();
    this.current = { stage, detail, start: performance.now() };
    this.logger.status(`${stage}${detail ? ` (${detail})` : ''}`);
  }

  end(fields: Record<string, unknown> = {}): void {
    if (!this.current) return;
    const { stage, detail, start } = this.current;
    this.current = null;
    this.logger.event('info', `stage.${stage}` as EventCode, detail ?? '', {
      ms: Math.round(performance.now() - start),
      ...fields,
    });
  }
}
