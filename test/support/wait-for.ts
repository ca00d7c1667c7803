/** Polls `condition` until it holds; fails with `describe()` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  timeoutMs = 15_000,
  describe: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
