import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IPodSecurityContext, ISecurityContext, IVolume } from 'kubernetes-models/v1';
import { parse } from 'yaml';

/** What `podman run` needs to run a Deployment's one container as the kubelet would, on this machine. */
export interface PodRun {
  readonly image: string;
  /** Flags read from the manifest: user, root filesystem, capabilities, privileges, limits, env, mounts. */
  readonly flags: readonly string[];
  readonly containerPort: number;
  /** Each Secret volume: where it is mounted and the files' mode (`defaultMode`, or the API's 0644). */
  readonly secretVolumes: readonly {
    readonly name: string;
    readonly secretName: string;
    readonly mountPath: string;
    readonly mode: number;
  }[];
  readonly uid: number;
  readonly gid: number | undefined;
  readonly cpus: number | undefined;
  readonly memoryBytes: number | undefined;
}

/** The API server's default for a Secret volume's `defaultMode`. */
const SECRET_DEFAULT_MODE = 0o644;

/** A Kubernetes CPU quantity ("500m", "1", "0.5") in CPUs. */
export function cpuQuantity(value: string | number): number {
  const text = String(value);
  return text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
}

/** A Kubernetes memory quantity ("256Mi", "1G", "1048576") in bytes. */
export function memoryQuantity(value: string | number): number {
  const match = /^(\d+(?:\.\d+)?)([KMGT]i?|[kE]|Ei|)$/.exec(String(value));
  if (!match) throw new Error(`not a memory quantity: ${value}`);
  const units: Record<string, number> = {
    '': 1,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  const unit = units[match[2] ?? ''];
  if (unit === undefined) throw new Error(`unsupported unit in ${value}`);
  return Math.round(Number(match[1]) * unit);
}

/**
 * Reads `k8s/base/<file>` and turns its container's settings into podman flags, so that a change
 * to the manifest changes how the image test runs the image. Secret volumes are mounted from
 * `secretDirs` (by Secret name: a directory laid out as the kubelet lays out a Secret volume);
 * an emptyDir becomes a tmpfs of its sizeLimit. Fields with no podman equivalent that matters
 * here (probes, seccompProfile RuntimeDefault, which is podman's default too) are left out.
 */
export function podRun(
  repo: string,
  file: string,
  secretDirs: Readonly<Record<string, string>>,
): PodRun {
  const deployment = parse(readFileSync(join(repo, file), 'utf8')) as IDeployment;
  const pod = deployment.spec?.template.spec;
  const [container, ...others] = pod?.containers ?? [];
  if (!pod || !container || others.length > 0) throw new Error(`${file}: expected one container`);
  const podSecurity: IPodSecurityContext = pod.securityContext ?? {};
  const security: ISecurityContext = container.securityContext ?? {};
  const uid = security.runAsUser ?? podSecurity.runAsUser;
  const gid = security.runAsGroup ?? podSecurity.runAsGroup;
  if (uid === undefined) throw new Error(`${file}: no runAsUser (the image's USER would decide)`);
  if ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) && uid === 0)
    throw new Error(`${file}: runAsNonRoot with runAsUser 0`);

  const flags: string[] = ['--user', gid === undefined ? String(uid) : `${uid}:${gid}`];
  if (security.readOnlyRootFilesystem) flags.push('--read-only', '--read-only-tmpfs=false');
  for (const cap of security.capabilities?.drop ?? []) flags.push('--cap-drop', cap);
  for (const cap of security.capabilities?.add ?? []) flags.push('--cap-add', cap);
  if (security.allowPrivilegeEscalation === false)
    flags.push('--security-opt', 'no-new-privileges');
  if (security.privileged) flags.push('--privileged');

  const limits = container.resources?.limits ?? {};
  const cpus = limits.cpu === undefined ? undefined : cpuQuantity(limits.cpu);
  const memoryBytes = limits.memory === undefined ? undefined : memoryQuantity(limits.memory);
  if (cpus !== undefined) flags.push('--cpus', String(cpus));
  if (memoryBytes !== undefined) flags.push('--memory', `${memoryBytes}b`);

  for (const env of container.env ?? []) {
    if (env.valueFrom)
      throw new Error(
        `${file}: env ${env.name} comes from elsewhere (valueFrom), which this test cannot follow`,
      );
    flags.push('--env', `${env.name}=${env.value ?? ''}`);
  }

  const secretVolumes: { name: string; secretName: string; mountPath: string; mode: number }[] = [];
  const volumes = new Map((pod.volumes ?? []).map((v): [string, IVolume] => [v.name, v]));
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    if (volume?.secret?.secretName) {
      const dir = secretDirs[volume.secret.secretName];
      if (!dir)
        throw new Error(`${file}: no directory given for the Secret ${volume.secret.secretName}`);
      // A Secret volume is always read-only, whatever the mount says.
      flags.push('--volume', `${dir}:${mount.mountPath}:ro`);
      secretVolumes.push({
        name: mount.name,
        secretName: volume.secret.secretName,
        mountPath: mount.mountPath,
        mode: volume.secret.defaultMode ?? SECRET_DEFAULT_MODE,
      });
    } else if (volume?.emptyDir) {
      const size =
        volume.emptyDir.sizeLimit === undefined
          ? ''
          : `,size=${memoryQuantity(volume.emptyDir.sizeLimit)}`;
      // An emptyDir is a fresh directory every pod user can write (0777 on the node).
      flags.push('--tmpfs', `${mount.mountPath}:rw,mode=1777${size}`);
    } else {
      throw new Error(`${file}: volume ${mount.name} is neither a Secret nor an emptyDir`);
    }
  }

  const ports = (container.ports ?? []).map((p) => p.containerPort);
  if (ports.length !== 1 || ports[0] === undefined)
    throw new Error(`${file}: expected one container port`);
  return {
    image: container.image ?? '',
    flags,
    containerPort: ports[0],
    secretVolumes,
    uid,
    gid,
    cpus,
    memoryBytes,
  };
}
