// Progress over a batch: on a terminal one line redrawn in place (done, failed, rate, time left);
// elsewhere (CI, a pipe) one plain line per student, which logs keep readable.
export interface Progress {
  done(netid: string, ok: boolean, detail: string): void;
  end(): void;
}

export function progress(total: number, what: string, stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  const t0 = performance.now();
  let n = 0;
  let failed = 0;
  const tty = stream.isTTY === true && !process.env.CI;
  let last = 0;
  const line = () => {
    const secs = (performance.now() - t0) / 1000;
    const rate = n / Math.max(secs, 1e-3);
    const left = rate > 0 ? Math.round((total - n) / rate) : 0;
    const width = 24;
    const fill = total ? Math.round((n / total) * width) : width;
    return `${what} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${n}/${total} · ${failed} failed · ${rate.toFixed(1)}/s · ${left}s left`;
  };
  return {
    done(netid, ok, detail) {
      n++;
      if (!ok) failed++;
      if (quiet) return;
      if (!tty) {
        stream.write(`[${n}/${total}] ${netid} ${detail}\n`);
        return;
      }
      const now = performance.now();
      if (now - last > 100 || n === total) {
        last = now;
        stream.write(`\r\x1b[2K${line()}`);
      }
    },
    end() {
      if (!quiet && tty) stream.write(`\r\x1b[2K${line()}\n`);
    },
  };
}
