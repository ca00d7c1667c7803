import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the Java client needs of the local broker (the kafka project's provided values). */
export interface JavaClientBroker {
  readonly brokers: readonly string[];
  readonly username: string;
  readonly password: string;
  readonly caPem: string;
}

/** Writes the Java client's properties for the local broker (SASL_SSL, SCRAM, its CA) in `dir`; returns their path. */
export function writeJavaClientProperties(kafka: JavaClientBroker, dir: string): string {
  writeFileSync(join(dir, 'ca.pem'), kafka.caPem, { mode: 0o600 });
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${kafka.username}" password="${kafka.password}";`;
  const lines = {
    'bootstrap.servers': kafka.brokers.join(','),
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': 'SCRAM-SHA-256',
    'sasl.jaas.config': jaas,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': join(dir, 'ca.pem'),
  };
  const path = join(dir, 'client.properties');
  // java.util.Properties: backslashes escape, so paths and values are written with them doubled.
  writeFileSync(
    path,
    Object.entries(lines)
      .map(([k, v]) => `${k}=${v.replaceAll('\\', '\\\\')}`)
      .join('\n'),
    { mode: 0o600 },
  );
  return path;
}

/** Runs a single-file Java program on `classpath`; resolves with its stdout, rejects with its stderr when it fails. */
export function runJavaProgram(
  program: string,
  classpath: string,
  args: readonly string[],
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-cp', classpath, program, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`java ${args[0]} exited ${code}: ${err.slice(-3000)}`));
    });
  });
}
