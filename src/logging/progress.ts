// A one-line spinner on an interactive terminal: what runs now and for how long. Lines logged
// meanwhile are printed above it. It is only ever created for a TTY, so it may use escape codes.

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\x1b[2K';

export class Progress {
  private text: string | null = null;
  private since = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  set(text: string | null): void {
    if (text === this.text) return;
    this.text = text;
    this.since = Date.now();
    if (text === null) {
      this.clear();
      this.stopTimer();
      return;
    }
    if (!this.timer) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
    this.draw();
  }

  /** Prints a line above the spinner. */
  above(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    this.draw();
  }

  stop(): void {
    this.stopTimer();
    this.clear();
    this.text = null;
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private clear(): void {
    if (this.text !== null || this.timer) this.stream.write(CLEAR_LINE);
  }

  private draw(): void {
    if (this.text === null) return;
    this.frame = (this.frame + 1) % FRAMES.length;
    const elapsed = ((Date.now() - this.since) / 1000).toFixed(1);
    const reported = (this.stream as { columns?: number }).columns ?? 0;
    const columns = reported >= 20 ? reported : 100; // a pty without a size reports 0
    const line = `${FRAMES[this.frame]} ${this.text} ${elapsed}s`;
    this.stream.write(`${CLEAR_LINE}${line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line}`);
  }
}
