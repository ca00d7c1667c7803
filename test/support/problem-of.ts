import { HttpProblem } from '@demo-kafka/app-kit';

/** The HttpProblem that `run` throws; fails the test when it throws nothing or something else. */
export function problemOf(run: () => unknown): HttpProblem {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error('expected an HttpProblem');
}
