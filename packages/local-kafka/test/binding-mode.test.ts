import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bindingMode, bindingModeNote } from '../src/binding-mode-option.js';
import { writeBindingDir } from '../src/write-binding-dir.js';

const dirs: string[] = [];
afterEach(() =>
  dirs.splice(0).forEach((dir) => {
    rmSync(dir, { recursive: true, force: true });
  }),
);
const fileMode = (path: string): number => statSync(path).mode & 0o777;

describe('the binding files mode', () => {
  it('is private to the owner by default, and the mode asked for otherwise, whatever the umask', () => {
    const dir = mkdtempSync(join(tmpdir(), 'binding-mode-'));
    dirs.push(dir);
    writeBindingDir(join(dir, 'private'), { brokers: 'a:1', password: 'p' });
    expect(fileMode(join(dir, 'private', 'password'))).toBe(0o600);
    const umask = process.umask(0o077);
    try {
      writeBindingDir(join(dir, 'shared'), { brokers: 'a:1', password: 'p' }, 0o644);
    } finally {
      process.umask(umask);
    }
    expect(fileMode(join(dir, 'shared', 'password'))).toBe(0o644);
    expect(lstatSync(join(dir, 'shared', 'password')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'shared', 'password'), 'utf8')).toBe('p');
  });

  it('reads --binding-mode as octal and refuses a writable or executable mode', () => {
    expect(bindingMode(undefined)).toBe(0o600);
    expect(bindingMode('0644')).toBe(0o644);
    expect(bindingMode('640')).toBe(0o640);
    for (const bad of ['0666', '0755', '644x', 'rw-r--r--', '0777'])
      expect(() => bindingMode(bad)).toThrow(
        /--binding-mode must be one of 0400, 0440, 0444, 0600, 0640, 0644/,
      );
  });

  it('says who can read the binding and how to let a container user read it', () => {
    const { username, uid } = userInfo();
    expect(bindingModeNote(0o600)).toContain(`readable by ${username} (uid ${uid}) alone`);
    expect(bindingModeNote(0o600)).toContain('--binding-mode 0644');
    expect(bindingModeNote(0o644)).toContain('every user of this machine can read');
  });
});
