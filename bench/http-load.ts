import autocannon from 'autocannon';

/** Acknowledged POSTs per second at `connections` concurrent clients. */
export async function postsPerSecond(url: string, connections: number, durationSeconds: number): Promise<{ rps: number; non2xx: number; errors: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: durationSeconds,
    body: 'Hello from the benchmark',
    headers: { 'content-type': 'text/plain' },
  });
  return { rps: result.requests.average, non2xx: result.non2xx, errors: result.errors };
}
