/**
 * Calls `onGone` once the process that started this one has ended, however it ended (a SIGKILL
 * too, which no handler sees): the process is then re-parented, so its parent id changes. A
 * supervisor or a script that signals `npm run kafka` alone reaches npm, not this process.
 */
export function exitWithParent(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
