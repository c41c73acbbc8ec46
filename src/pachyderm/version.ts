// pachd's version, for `pachsvc version`. Two ways, neither needing pachctl:
//   - pachd's HTTP API (Pachyderm 2.8+), when --pachd-address is an http(s) address:
//     POST <address>/api/versionpb_v2.API/GetVersion with `{}` (the grpc-gateway route of
//     versionpb_v2.API/GetVersion, mounted under /api/ in src/server/http/http.go of pachyderm/pachyderm),
//     answering a Version {major, minor, micro, additional, …};
//   - else the image tag of pachd's Deployment (`deployment/pachd`, container `pachd`, as Pachyderm's Helm
//     chart names them), read through the Kubernetes API: the in-cluster gRPC address is not reachable
//     from here, the API server is.
import { safeText } from '../lib/text.ts';
import { isOk, pachdPost, refusal } from './http.ts';

/** The Version message of Pachyderm's version API (protojson: absent fields are zero). */
export interface PachdVersionInfo {
  major?: number;
  minor?: number;
  micro?: number;
  additional?: string;
  gitCommit?: string;
  platform?: string;
}

/** As pachctl prints it (version.PrettyPrintVersion): `2.11.6`, `2.12.0-rc.1`. */
export function prettyVersion(v: PachdVersionInfo): string {
  return `${v.major ?? 0}.${v.minor ?? 0}.${v.micro ?? 0}${v.additional ?? ''}`;
}

/** Asks pachd's HTTP API; rejects with one sentence (unreachable, no answer in time, not pachd). */
export async function pachdHttpVersion(address: string, timeoutMs = 10_000): Promise<string> {
  const answer = await pachdPost(address, 'versionpb_v2.API/GetVersion', {}, undefined, timeoutMs);
  if (!isOk(answer)) throw refusal(answer);
  const v = answer.json as PachdVersionInfo | undefined;
  if (!v || typeof v !== 'object' || (typeof v.major !== 'number' && typeof v.minor !== 'number')) {
    throw new Error(`${safeText(answer.url)} did not answer with a Pachyderm version (is this pachd's HTTP port?)`);
  }
  return prettyVersion(v);
}

/** The tag of an image reference (`pachyderm/pachd:2.11.6` → `2.11.6`); undefined without one. */
export function imageTag(image: string): string | undefined {
  const name = image.split('@')[0]!;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
}

/** Two Pachyderm versions are the same release (a leading `v` aside). */
export function sameVersion(a: string, b: string): boolean {
  return a.replace(/^v/, '') === b.replace(/^v/, '');
}
