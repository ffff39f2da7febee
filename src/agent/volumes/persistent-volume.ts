// persistentVolumeClaim volumes: the claim must be bound, and its PersistentVolume must be one
// the node can use directly (hostPath or local; Hale's local-path provisioner makes hostPath
// ones). Other PV types (network and cloud disks) are reported as not mountable.
import { chmod, mkdir, stat } from 'node:fs/promises';
import { isNotFound } from '../../client/api-error.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { LOCAL_PATH_PROVISIONER, PROVISIONED_BY_ANNOTATION } from '../../controllers/persistentvolume/local-path-volume.ts';

export interface ClaimSource {
  path: string;
  /** The hostPath type check to apply (a local volume's directory must already exist). */
  type: string;
}

export async function resolveClaim(client: RestClient, namespace: string, claimName: string): Promise<ClaimSource> {
  let pvc: Record<string, any>;
  try {
    pvc = await client.get(resources.persistentVolumeClaims, namespace, claimName);
  } catch (err) {
    if (isNotFound(err)) throw new Error(`persistentvolumeclaim "${claimName}" not found`);
    throw err;
  }
  const phase: string = pvc.status?.phase ?? '';
  const volumeName: string = pvc.spec?.volumeName ?? '';
  if (phase !== 'Bound' || volumeName === '') {
    throw new Error(`PVC ${namespace}/${claimName} has non-bound phase ("${phase}") or empty pvc.Spec.VolumeName ("${volumeName}")`);
  }
  let pv: Record<string, any>;
  try {
    pv = await client.get(resources.persistentVolumes, undefined, volumeName);
  } catch (err) {
    if (isNotFound(err)) throw new Error(`persistentvolume "${volumeName}" not found`);
    throw err;
  }
  if (pv.spec?.hostPath?.path && pv.metadata?.annotations?.[PROVISIONED_BY_ANNOTATION] === LOCAL_PATH_PROVISIONER) {
    // As k3s' local-path: the volume's directory is made on first use, writable by any user the pod runs as.
    await makeWorldWritableDirectory(pv.spec.hostPath.path);
    return { path: pv.spec.hostPath.path, type: 'Directory' };
  }
  if (pv.spec?.hostPath?.path) return { path: pv.spec.hostPath.path, type: pv.spec.hostPath.type ?? '' };
  if (pv.spec?.local?.path) return { path: pv.spec.local.path, type: 'Directory' };
  throw new Error(`persistentvolume "${volumeName}" has no hostPath or local source, which is all this node can mount`);
}

async function makeWorldWritableDirectory(dir: string): Promise<void> {
  if (
    await stat(dir).then(
      () => true,
      () => false,
    )
  )
    return;
  await mkdir(dir, { recursive: true });
  // mkdir's mode is cut by the umask; chmod is not.
  await chmod(dir, 0o777);
}
