/**
 * Reads .dockerignore as BuildKit does: patterns relative to the context root, `*` and `?`
 * within one path segment, `**` across any number of segments, `!` to re-include, the last
 * matching line wins, and a path is excluded when it or one of its parent directories is.
 */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line)
        .trim()
        .replace(/^\/+/, '')
        .replace(/\/+$/, '');
      return { negated, regex: globToRegex(pattern) };
    });
  const matches = (path: string): boolean => {
    let excluded = false;
    for (const rule of rules) if (rule.regex.test(path)) excluded = !rule.negated;
    return excluded;
  };
  return (path: string): boolean => {
    const segments = path
      .replace(/^\.\/+/, '')
      .replace(/\/+$/, '')
      .split('/');
    return segments.some((_, index) => matches(segments.slice(0, index + 1).join('/')));
  };
}

function globToRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? '';
    if (char === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more directories; a trailing `**` matches everything below.
      if (pattern[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
