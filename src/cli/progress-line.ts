import { Progress } from '../logging/progress.js';

export interface ProgressLine {
  update(text: string): void;
  done(): void;
}

/** A spinner line on an interactive stderr (SPEC §7: long work shows progress there, and stays quiet when piped or under --json). */
export function progressLine(json: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (json || stream.isTTY !== true) return { update() {}, done() {} };
  const progress = new Progress(stream);
  return { update: (text) => progress.set(text), done: () => progress.stop() };
}
