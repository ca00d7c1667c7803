/**
 * A small Dockerfile reader for the image checks: instructions grouped by build stage, and
 * the arguments of the instructions the checks look at (COPY, ENV, CMD, npm in RUN).
 */

export interface Instruction {
  /** Upper case: FROM, COPY, RUN, ... */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: string;
  /** 1-based line where the instruction starts. */
  readonly line: number;
}

export interface Stage {
  /** The base image. */
  readonly from: string;
  /** The `AS` name, if any. */
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (!pending && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    // Comment lines inside a continued instruction are dropped, as BuildKit does.
    if (pending && line.trimStart().startsWith('#')) return;
    const part = line.endsWith('\\') ? line.slice(0, -1) : line;
    pending = pending
      ? { text: `${pending.text} ${part.trim()}`, line: pending.line }
      : { text: part.trim(), line: index + 1 };
    if (!line.endsWith('\\')) {
      const [keyword = '', ...rest] = pending.text.split(/\s+/);
      instructions.push({
        keyword: keyword.toUpperCase(),
        args: rest.join(' '),
        line: pending.line,
      });
      pending = undefined;
    }
  });
  if (pending)
    throw new Error(`line ${pending.line}: the last instruction ends with a line continuation`);

  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match?.[1])
        throw new Error(`line ${instruction.line}: cannot read FROM ${instruction.args}`);
      stages.push({ from: match[1], name: match[2], instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) {
        if (instruction.keyword === 'ARG') continue;
        throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
      }
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

export interface Copy {
  /** The stage named by `--from`, or undefined for the build context. */
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
}

/** COPY's arguments (shell form; `--chown`/`--chmod`/`--link` are accepted and ignored). */
export function parseCopy(args: string): Copy {
  const words = args.split(/\s+/).filter(Boolean);
  let from: string | undefined;
  const paths: string[] = [];
  for (const word of words) {
    if (word.startsWith('--from=')) from = word.slice('--from='.length);
    else if (/^--(chown|chmod|link)/.test(word)) continue;
    else if (word.startsWith('--')) throw new Error(`unsupported COPY flag ${word}`);
    else paths.push(word);
  }
  const dest = paths.pop();
  if (!dest || paths.length === 0) throw new Error(`COPY ${args} needs sources and a destination`);
  return { from, sources: paths, dest };
}

/** `CMD ["a", "b"]` as a list; the shell form is refused (it would run under /bin/sh). */
export function parseExecForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((item): item is string => typeof item === 'string')) {
    throw new Error(`not an exec form (JSON list of strings): ${args}`);
  }
  return parsed;
}

/** ENV in its `KEY=value KEY2=value2` form (no quoting). */
export function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of args.split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`ENV ${args}: use the KEY=value form`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** Each `npm ...` command in a RUN line, as its words. */
export function npmCommands(run: string): string[][] {
  return run
    .split(/&&|\|\||;/)
    .map((command) => command.trim().split(/\s+/).filter(Boolean))
    .filter((words) => words[0] === 'npm');
}

/** The values of every `-w <x>` / `--workspace <x>` / `--workspace=<x>` in an npm command. */
export function npmWorkspaces(words: readonly string[]): string[] {
  const found: string[] = [];
  words.forEach((word, index) => {
    const next = words[index + 1];
    if ((word === '-w' || word === '--workspace') && next) found.push(next);
    else if (word.startsWith('--workspace=')) found.push(word.slice('--workspace='.length));
  });
  return found;
}
