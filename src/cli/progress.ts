/** A one-line progress bar redrawn in place on a terminal. */
export class ProgressBar {
  private readonly started = Date.now();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly width = 30,
  ) {}

  update(done: number, total: number, label: string): void {
    const ratio = total > 0 ? done / total : 0;
    const filled = Math.round(ratio * this.width);
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    this.out.write(
      `\r[${'#'.repeat(filled)}${'-'.repeat(this.width - filled)}] ${done}/${total} ${(ratio * 100).toFixed(1)}% ${rate}/s ${label}   `,
    );
  }

  done(): void {
    this.out.write('\n');
  }
}
