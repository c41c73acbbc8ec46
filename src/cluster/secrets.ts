// Reading one key of a Secret (the Pachyderm token that pinning sends to pachd).
import type { Kube } from './kube.ts';
import { KINDS } from './types.ts';

/** The key's value, decoded and trimmed; undefined if the Secret or the key is missing. */
export async function readSecretKey(c: Kube, namespace: string, name: string, key: string): Promise<string | undefined> {
  const secret = await c.get(KINDS.Secret, namespace, name);
  const data = secret?.data as Record<string, string> | undefined;
  const value = data && Object.hasOwn(data, key) ? data[key] : undefined;
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8').trim();
}
