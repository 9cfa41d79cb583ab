// Progress of a long command on standard error: on a terminal one line redrawn in place (a bar of
// the steps done), elsewhere (a log, a pipe, CI) a plain line when each step ends.

export interface Progress {
  /** Step `index` (0-based) of the total is at `detail`; `done` when the step has ended. */
  update(index: number, label: string, detail: string, done: boolean): void;
  /** Ends the display (a terminal's line is finished). */
  end(): void;
}

const WIDTH = 20;

export function progress(title: string, steps: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
  let drawn = false;
  return {
    update(index, label, detail, done) {
      if (!tty) {
        if (done) stream.write(`${title}: ${label}: ${detail} (step ${index + 1} of ${steps})\n`);
        return;
      }
      const filled = Math.round((WIDTH * (index + (done ? 1 : 0.5))) / steps);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}`;
      stream.write(`\r\x1b[2K${title} [${bar}] ${index + 1}/${steps} ${label}: ${detail}`);
      drawn = true;
    },
    end() {
      if (tty && drawn) stream.write('\n');
    },
  };
}
