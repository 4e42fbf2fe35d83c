// A backup through the CLI runs with the backup image's V8 flags (lib/backup/docker/Dockerfile's
// NODE_OPTIONS). Streaming a dump allocates a steady flow of short-lived buffers; with Node's default
// young generation V8 grows its semi-spaces to 16-32 MB each as the run goes on, and a 1 GiB backup
// through the CLI peaked at 220-253 MB where the function, with --max-semi-space-size=4, stays under
// 150 MB. V8 sizes its heap when the process starts, so the flag cannot be set later: the CLI starts
// itself again with it, once, when the command runs the backup job. Plain JavaScript: it runs before
// anything is compiled.
import { spawn } from 'node:child_process';

/** The image's flags (kept equal to its Dockerfile's ENV NODE_OPTIONS by a test). */
export const BACKUP_NODE_FLAGS = ['--max-semi-space-size=4'];
/** How long a signal to the first process waits before it is passed on to the child (see relaunchForBackup). */
const FORWARD_AFTER_MS = 300;

/**
 * The node arguments to start the CLI again with, or undefined when this process should run the
 * command itself: it is not `run backup` / `run all`, or the flags are already in force (given to
 * node, in NODE_OPTIONS, or this is the relaunched process).
 */
export function backupRelaunchArgs(argv, execArgv = process.execArgv, env = process.env) {
  if (argv[0] !== 'run' || !argv.slice(1).some((a) => a === 'backup' || a === 'all')) return undefined;
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  const missing = BACKUP_NODE_FLAGS.filter((flag) => !given.some((g) => g.split('=')[0] === flag.split('=')[0]));
  return missing.length ? [...missing, ...execArgv] : undefined;
}

/**
 * Runs the CLI again in a child with the backup flags when it needs them; resolves false when this
 * process should run the command itself. Otherwise this process only waits: its signals go to the
 * child, and it ends as the child ended (its exit status, or the same signal).
 */
export async function relaunchForBackup(script, argv) {
  const nodeArgs = backupRelaunchArgs(argv);
  if (!nodeArgs) return false;
  const child = spawn(process.execPath, [...nodeArgs, script, ...argv], { stdio: 'inherit' });
  // A terminal's Ctrl-C, or systemd stopping the unit, reaches the child too: it stops by that first signal (its own
  // handler, which cleans up), and a second one sent at once could cut that short. So a signal to this process is
  // passed on only if the child is still running a moment later (a kill aimed at this process alone).
  const forward = (signal) =>
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    }, FORWARD_AFTER_MS);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward);
  const [code, signal] = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c, s) => resolve([c, s]));
  });
  for (const s of signals) process.off(s, forward);
  if (signal) {
    // Ended by a signal: end the same way (the default action, now that the handlers are gone).
    process.kill(process.pid, signal);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  process.exit(code ?? 1);
}
