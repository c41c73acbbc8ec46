// Pinning: turning the branch an input names into the commit id it points to now, before anything is
// deployed, so that every pod of the service (restarted or rescheduled) checks out the same data.
// Two ways to ask pachd, tried in turn:
//   - pachd's HTTP API (Pachyderm 2.8+), when --pachd-address is an http(s) address:
//     POST <address>/api/pfs_v2.API/InspectCommit, the token in the `authn-token` header
//     (request and answer shapes: InspectCommitRequest and CommitInfo in src/pfs/pfs.proto of
//     pachyderm/pachyderm; pachd resolves branch names and ancestry (^ ~ .) in commit.id itself,
//     see resolveCommit in src/server/pfs/server/driver.go);
//   - the user's own pachctl, which carries their context, address, TLS and token:
//     `pachctl inspect commit <repo>@<ref> --raw [--project P]`.
import { execFile } from 'node:child_process';
import { safeText } from '../lib/text.ts';
import { isOk, pachdPost, refusal } from './http.ts';

export interface PinTarget {
  /** The input's name (the key of the pins map). */
  input: string;
  repo: string;
  project?: string;
  /** The reference as pachctl takes it after `repo@`: master, master.1, master^2, master=<id>, … */
  ref: string;
}

export interface Resolver {
  /** How it asks, for messages: `pachd HTTP API at …`, `pachctl`. */
  readonly name: string;
  resolve(target: PinTarget): Promise<string>;
}

const COMMIT_ID = /^[0-9a-f]{32}$/i;

/** The InspectCommitRequest (protojson) for a reference, as pachd 2.8+ takes it. */
export function inspectCommitRequest(target: PinTarget): Record<string, unknown> {
  const repo = { name: target.repo, type: 'user', project: { name: target.project ?? 'default' } };
  const eq = target.ref.indexOf('=');
  if (eq > 0) {
    return { commit: { repo, id: target.ref.slice(eq + 1), branch: { repo, name: target.ref.slice(0, eq) } } };
  }
  return { commit: { repo, id: target.ref } };
}

/** The commit id in a CommitInfo answer (from the HTTP API or `pachctl … --raw`). */
export function commitIdOf(answer: unknown): string | undefined {
  const id = (answer as { commit?: { id?: unknown } } | undefined)?.commit?.id;
  return typeof id === 'string' && COMMIT_ID.test(id) ? id.toLowerCase() : undefined;
}

export function httpResolver(address: string, token?: string, timeoutMs = 10_000): Resolver {
  const base = address.replace(/\/+$/, '');
  return {
    name: `pachd's HTTP API at ${base}`,
    async resolve(target) {
      const answer = await pachdPost(base, 'pfs_v2.API/InspectCommit', inspectCommitRequest(target), token, timeoutMs);
      if (!isOk(answer)) throw refusal(answer);
      const id = commitIdOf(answer.json);
      if (!id) throw new Error('the answer names no commit id');
      return id;
    },
  };
}

export function pachctlResolver(pachctl = 'pachctl', timeoutMs = 20_000): Resolver {
  return {
    name: 'pachctl',
    resolve(target) {
      const args = ['inspect', 'commit', `${target.repo}@${target.ref}`, '--raw', ...(target.project ? ['--project', target.project] : [])];
      return new Promise((resolve, reject) => {
        execFile(pachctl, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
          if (err) {
            const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'pachctl is not installed' : safeText(stderr.trim().split('\n').pop() || err.message, 200);
            reject(new Error(why));
            return;
          }
          let id: string | undefined;
          try {
            id = commitIdOf(JSON.parse(stdout));
          } catch {
            id = undefined;
          }
          if (id) resolve(id);
          else reject(new Error('`pachctl inspect commit --raw` printed no commit id'));
        });
      });
    },
  };
}

export interface PinResult {
  pins: Record<string, string>;
  /** Inputs that could not be pinned, and why (every resolver's reason). */
  failures: { target: PinTarget; reasons: string[] }[];
}

/** Pins every target with the first resolver that can; the others are left to be resolved in the pod. */
export async function resolvePins(targets: PinTarget[], resolvers: Resolver[]): Promise<PinResult> {
  const result: PinResult = { pins: {}, failures: [] };
  await Promise.all(
    targets.map(async (target) => {
      const reasons: string[] = [];
      for (const r of resolvers) {
        try {
          result.pins[target.input] = await r.resolve(target);
          return;
        } catch (err) {
          // Said in one warning line: what a resolver passes on from pachd is cut and escaped.
          reasons.push(`${r.name}: ${safeText(String((err as Error)?.message ?? err), 200)}`);
        }
      }
      result.failures.push({ target, reasons });
    }),
  );
  return result;
}
