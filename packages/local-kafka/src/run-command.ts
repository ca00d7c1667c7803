import { spawn } from 'node:child_process';

/** The outcome of a finished command. */
export interface CommandResult {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a command to completion, collecting stdout and stderr together. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; input?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    // A command that exits before reading its input (EPIPE) has still ended: 'close' reports how.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Whether `command` can be started at all (it is installed and on PATH). */
export async function isInstalled(
  command: string,
  versionArgs: readonly string[] = ['-version'],
): Promise<boolean> {
  try {
    await runCommand(command, versionArgs);
    return true;
  } catch {
    return false;
  }
}
