import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('../src/exit-with-parent.ts', import.meta.url));

describe('exitWithParent', () => {
  it('calls back once the parent has ended, though no signal reached this process (as when npm alone is killed)', async () => {
    // sh starts the child in the background and, once the child watches, ends without telling it.
    const child = `import { exitWithParent } from ${JSON.stringify(MODULE)};
      exitWithParent(() => { console.log('parent gone'); process.exit(0); }, 100);
      console.log('watching');
      setTimeout(() => process.exit(3), 20000);`;
    const sh = spawn(
      'sh',
      ['-c', `"${process.execPath}" --import tsx --input-type=module -e "$CHILD" & read go`],
      {
        env: { ...process.env, CHILD: child },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    let output = '';
    sh.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('watching')) sh.stdin.end('go\n');
    });
    // The pipe stays open while the child lives: it ends when the child has exited.
    await new Promise((resolve) => sh.stdout.once('end', resolve));
    expect(output).toContain('watching');
    expect(output).toContain('parent gone');
  }, 30_000);
});
