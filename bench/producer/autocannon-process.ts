/**
 * autocannon through its API, in a process of its own, printing what its CLI prints with `-j`:
 * for loads the CLI cannot express (a header with `[<id>]`, which its argument parser reads as a
 * sub-argument). Arguments: one JSON object of autocannon options.
 */
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2] ?? '{}') as autocannon.Options;
const result = await autocannon({ ...options, idReplacement: true });
process.stdout.write(`${JSON.stringify(result)}\n`);
