// Under npm (`npx berth serve`, `npm exec`, `npm start`), npm starts `berth` through `sh -c`, and
// the SIGTERM a process manager sends npm is forwarded only to that shell, which dies without
// passing it on: the server would outlive npm, orphaned. So a server started by npm follows its
// parent: when the parent goes away (the process is re-parented), it stops as on SIGTERM.
// Started any other way (systemd, a container, `berth serve &` from a shell) it never watches.

/** Whether npm started this process (npm sets these for what it runs). */
export function startedByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.npm_command || env.npm_lifecycle_event);
}

/** Calls `stop` once when this process's parent exits; the check does not keep the process alive. */
export function followParent(stop: (reason: string) => void, intervalMs = 500): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop(`the parent process ${parent} (npm) exited`);
  }, intervalMs);
  timer.unref();
}
