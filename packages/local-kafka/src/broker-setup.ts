import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { grantPrefixAcls } from './acls.js';
import { checkFormatAllows, defaultSecurityMode, type BindingFormat } from './binding-formats.js';
import { runKafkaTool, type JavaLaunch } from './broker-process.js';
import { createClientsCa, type ClientCertificate } from './client-certificates.js';
import { MAX_BROKERS } from './brokers-option.js';
import type { BindingRequest, KafkaUser } from './local-kafka.js';
import { scramCredentialArgs, type SecurityMode } from './security-modes.js';

// The steps a single broker and a cluster share, so the two cannot drift apart.

/**
 * What an earlier run of either shape left in a data directory: logs formatted with its users'
 * passwords, server.properties with the PLAIN users' passwords, the CAs and their keys.
 */
const STALE_ENTRIES = [
  'log',
  'tls',
  'broker.log',
  'server.properties',
  ...Array.from({ length: MAX_BROKERS }, (_, i) => `node-${i + 1}`),
];

/**
 * The data directory to use (a new temp one when none is given) with nothing of an earlier run
 * in it, single broker or cluster: every start is a fresh broker, so an old run's users never linger.
 */
export function freshDataDir(
  given: string | undefined,
  tempPrefix: string,
): { dataDir: string; ownsDataDir: boolean } {
  const dataDir = resolve(given ?? mkdtempSync(join(tmpdir(), tempPrefix)));
  mkdirSync(dataDir, { recursive: true });
  for (const stale of STALE_ENTRIES) rmSync(join(dataDir, stale), { recursive: true, force: true });
  return { dataDir, ownsDataDir: given === undefined };
}

/**
 * The binding written at start (default: the walkthrough's, in the format's usual mode), refused
 * before any work if no user can have it.
 */
export function initialBindingRequest(options: {
  bindingFormat?: BindingFormat;
  security?: SecurityMode;
  bindingMode?: number;
}): BindingRequest {
  const format = options.bindingFormat ?? 'walkthrough';
  const security = options.security ?? defaultSecurityMode(format);
  checkFormatAllows(format, security);
  return {
    format,
    security,
    ...(options.bindingMode !== undefined && { mode: options.bindingMode }),
  };
}

/** A clients CA in `dir` and a certificate (`CN=<username>`) for each user. */
export async function issueClientCertificates(
  dir: string,
  users: readonly KafkaUser[],
): Promise<{ caFile: string; certificates: Map<string, ClientCertificate> }> {
  const clientsCa = await createClientsCa(dir);
  const certificates = new Map<string, ClientCertificate>();
  for (const u of users) certificates.set(u.username, await clientsCa.issue(u.username));
  return { caFile: clientsCa.caFile, certificates };
}

/** Formats one node's storage for cluster `id`, with SCRAM credentials for every user. */
export function formatStorage(
  launch: JavaLaunch,
  propertiesFile: string,
  id: string,
  users: readonly KafkaUser[],
): Promise<void> {
  return runKafkaTool(launch, 'kafka.tools.StorageTool', [
    'format',
    '-t',
    id,
    '-c',
    propertiesFile,
    ...scramCredentialArgs(users),
  ]);
}

/** Gives every user its prefix ACLs, over the super-user listener `adminBroker`. */
export async function grantEveryUserAcls(
  adminBroker: string,
  users: readonly KafkaUser[],
): Promise<void> {
  for (const u of users) await grantPrefixAcls(adminBroker, u.username, u.topicPrefix);
}
