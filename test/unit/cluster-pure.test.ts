// The pure parts of talking to a cluster, without one: kubectl's ages, the words for a service's state,
// the table printer, joining server-printed tables into services, and mapping API errors to one line.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { fromNetwork, fromStatus, toClusterError } from '../../src/cluster/errors.ts';
import { portsPhrase, serviceOfPod, summarize } from '../../src/cluster/list.ts';
import { recordedInputs as inputsOf } from '../../src/contract.ts';
import { failedCheckout, humanDuration, podPhrase, serviceStatus, whyNotReady } from '../../src/cluster/status.ts';
import type { Table } from '../../src/cluster/types.ts';
import { isReady } from '../../src/cluster/wait.ts';
import { sameContent } from '../../src/cluster/write.ts';
import { formatTable } from '../../src/cli/output/table.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration (kubectl AGE)', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [-500, '0s'],
    [-5 * S, '<invalid>'],
    [59 * S, '59s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 5 * S, '2m5s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 20 * M, '3h20m'],
    [8 * H, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [3 * D + 4 * H, '3d4h'],
    [8 * D, '8d'],
    [45 * D, '45d'],
    [2 * 365 * D + 3 * D, '2y3d'],
    [9 * 365 * D, '9y'],
  ];
  for (const [ms, want] of cases) it(`${ms} ms → ${want}`, () => assert.equal(humanDuration(ms), want));
});

describe("a service's STATUS from its pods", () => {
  const pod = (status: string, ready = '1/1') => ({ name: 'p', status, ready });
  it('names each pod state in words', () => {
    assert.equal(podPhrase(pod('Running')), 'Running');
    assert.equal(podPhrase(pod('Running', '0/1')), 'Not ready');
    assert.equal(podPhrase(pod('Init:0/2', '0/1')), 'Checking out');
    assert.equal(podPhrase(pod('Init:ImagePullBackOff', '0/1')), 'Checkout ImagePullBackOff');
    assert.equal(podPhrase(pod('Init:CrashLoopBackOff', '0/1')), 'Checkout failed');
    assert.equal(podPhrase(pod('Init:Error', '0/1')), 'Checkout failed');
    assert.equal(podPhrase(pod('PodInitializing', '0/1')), 'Starting');
    assert.equal(podPhrase(pod('ImagePullBackOff', '0/1')), 'ImagePullBackOff');
    assert.equal(podPhrase(pod('CrashLoopBackOff', '0/1')), 'CrashLoopBackOff');
    assert.equal(podPhrase(pod('Pending', '0/1')), 'Pending');
  });
  it('shows the worst pod', () => {
    assert.equal(serviceStatus([pod('Running'), pod('CrashLoopBackOff', '0/1'), pod('Init:0/1', '0/1')], 3), 'CrashLoopBackOff');
    assert.equal(serviceStatus([pod('Running'), pod('Init:0/1', '0/1')], 2), 'Checking out');
    assert.equal(serviceStatus([pod('Running'), pod('Running')], 2), 'Running');
  });
  it('says when there is nothing to show', () => {
    assert.equal(serviceStatus([], 1), 'No pods');
    assert.equal(serviceStatus([], 0), 'Scaled to 0');
    assert.equal(serviceStatus([pod('Running')], 1, true), 'Deleting');
  });
});

describe('why a service is not ready', () => {
  const base = { metadata: { name: 'web-5d7f-abcde' }, spec: { containers: [{ name: 'service', image: 'web:1', ports: [{ containerPort: 8080 }] }], initContainers: [{ name: 'checkout-data', image: 'pachyderm/pachctl:2.11.6' }] } };
  it('unschedulable, with the scheduler message', () => {
    const pod = { ...base, status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }] } };
    assert.deepEqual(whyNotReady([pod]), ['pod web-5d7f-abcde cannot be scheduled: 0/3 nodes are available: 3 Insufficient cpu.']);
  });
  it('an image that cannot be pulled, naming the image', () => {
    const pod = { ...base, status: { initContainerStatuses: [{ name: 'checkout-data', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }] } };
    assert.match(whyNotReady([pod])[0]!, /^checkout container checkout-data: image pachyderm\/pachctl:2.11.6 cannot be pulled \(ImagePullBackOff: Back-off/);
  });
  it('a checkout that keeps failing, pointing at its logs', () => {
    const pod = { ...base, status: { initContainerStatuses: [{ name: 'checkout-data', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }] } };
    assert.match(whyNotReady([pod])[0]!, /checkout container checkout-data keeps failing \(exit code 1, Error\): see `pachsvc logs web -c checkout`/);
    assert.deepEqual(failedCheckout([pod]), { pod: 'web-5d7f-abcde', container: 'checkout-data', detail: 'exit code 1 (Error)' });
    assert.equal(failedCheckout([pod], 4), undefined, 'not before the given number of attempts');
  });
  it('running but not listening on internal_port', () => {
    const pod = { ...base, status: { containerStatuses: [{ name: 'service', ready: false, state: { running: {} } }] } };
    assert.match(whyNotReady([pod])[0]!, /does not accept connections on port 8080 yet/);
  });
  it('no pods at all', () => assert.match(whyNotReady([])[0]!, /no pod has been created yet/));
});

describe('rollout readiness (as kubectl rollout status)', () => {
  const d = (status: Record<string, number>, generation = 2, replicas = 2) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', generation }, spec: { replicas }, status });
  it('needs the newest generation observed and every replica updated, ready and available', () => {
    assert.equal(isReady(d({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 })), true);
    assert.equal(isReady(d({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 })), false);
    assert.equal(isReady(d({ observedGeneration: 2, replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 })), false, 'an old pod still there');
    assert.equal(isReady(d({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 })), false);
  });
});

describe('table printer', () => {
  it("pads like kubectl: three spaces, <none> for empty cells, no trailing spaces", () => {
    assert.equal(
      formatTable(['NAME', 'PORTS', 'AGE'], [['jupyter', '8888→30888/NodePort', '5m'], ['x', undefined, '10s']]),
      'NAME      PORTS                 AGE\njupyter   8888→30888/NodePort   5m\nx         <none>                10s\n',
    );
    assert.equal(formatTable(['NAME'], [['a']], { noHeaders: true }), 'a\n');
  });
});

describe('joining the server-printed tables', () => {
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'meta.k8s.io/v1',
    kind: 'PartialObjectMetadata',
    metadata: { name, namespace: 'ns', labels: { 'app.kubernetes.io/name': name.replace(/-[a-z0-9]+-[a-z0-9]+$/, ''), 'app.kubernetes.io/managed-by': 'pachsvc' }, ...extra },
  });
  const table = (columns: string[], rows: { cells: unknown[]; object: unknown }[]): Table => ({ kind: 'Table', columnDefinitions: columns.map((name) => ({ name })), rows: rows as Table['rows'] });
  const spec = JSON.stringify({ input: { cross: [{ pfs: { repo: 'trips', branch: 'master' } }, { pfs: { name: 'w', repo: 'weather', branch: 'master^1', follow: true } }] } });
  const deployments = table(['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images'], [
    { cells: ['web', '1/2', 2, 1, '5m', 'service,follow-w', 'python:3.12,pachyderm/pachctl:2.11.6'], object: meta('web', { creationTimestamp: '2026-11-25T10:00:00Z', annotations: { 'pachsvc.io/spec': spec, 'pachsvc.io/pinned-commits': JSON.stringify({ trips: 'a'.repeat(32) }) } }) },
    { cells: ['lonely', '0/1', 0, 0, '1m', 'service', 'x'], object: meta('lonely') },
  ]);
  const services = table(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age'], [
    { cells: ['web', 'NodePort', '10.96.0.9', '<none>', '8888:30888/TCP', '5m'], object: meta('web') },
  ]);
  const pods = table(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node'], [
    { cells: ['web-5d7f-aaaaa', '2/2', 'Running', 0, '5m', '10.244.0.1', 'n1'], object: meta('web-5d7f-aaaaa') },
    { cells: ['web-5d7f-bbbbb', '0/2', 'Init:0/2', 0, '5s', '', 'n2'], object: meta('web-5d7f-bbbbb') },
  ]);

  it('one summary per service, with inputs, pins, ports, readiness and status', () => {
    const [lonely, web] = summarize(deployments, services, pods);
    assert.equal(web?.name, 'web');
    assert.equal(web?.ready, '1/2');
    assert.equal(web?.status, 'Checking out');
    assert.equal(web?.ports, '8888→30888/NodePort');
    assert.equal(web?.image, 'python:3.12');
    assert.equal(web?.clusterIP, '10.96.0.9');
    assert.equal(web?.externalIP, undefined);
    assert.deepEqual(web?.inputs, [
      { name: 'trips', repo: 'trips', ref: 'master', follow: false, commit: 'a'.repeat(32) },
      { name: 'w', repo: 'weather', ref: 'master^1', follow: true },
    ]);
    assert.deepEqual(web?.pods.map((p) => p.node), ['n1', 'n2']);
    assert.equal(lonely?.status, 'Incomplete (no Service)');
  });
  it('ports as a person reads them', () => {
    assert.equal(portsPhrase('8888:30888/TCP', 'NodePort'), '8888→30888/NodePort');
    assert.equal(portsPhrase('5432:31234/TCP', 'LoadBalancer'), '5432/LoadBalancer');
    assert.equal(portsPhrase('8080/TCP', 'ClusterIP'), '8080/ClusterIP');
  });
  it('tolerates a Deployment without pachsvc annotations', () => assert.deepEqual(inputsOf(undefined), []));
  it('joins bare pod rows (no object) to their service by name', () => {
    const bare = table(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node'], [
      { cells: ['web-5d7f-aaaaa', '2/2', 'Running', 0, '5m', '10.244.0.1', 'n1'], object: undefined },
      { cells: ['lonely-66b9c-zzzzz', '0/1', 'Pending', 0, '5s', '', ''], object: undefined },
    ]);
    const [lonely, web] = summarize(deployments, services, bare, 'ns');
    assert.deepEqual(web?.pods.map((p) => p.name), ['web-5d7f-aaaaa']);
    assert.deepEqual(lonely?.pods.map((p) => p.status), ['Pending']);
  });
});

describe('which service a pod belongs to, by its name', () => {
  const names = new Set(['web', 'web-api', `${'x'.repeat(60)}`]);
  it('<deployment>-<hash>-<suffix>, the longest name that fits exactly', () => {
    assert.equal(serviceOfPod('web-5d7ffb6574-abcde', names), 'web');
    assert.equal(serviceOfPod('web-api-5d7ffb6574-abcde', names), 'web-api');
  });
  it('names Kubernetes cut to 58 characters before the suffix', () => {
    assert.equal(serviceOfPod(`${'x'.repeat(58)}q2w3e`, names), 'x'.repeat(60));
  });
  it('undefined when the name does not say', () => {
    assert.equal(serviceOfPod('other-5d7ffb6574-abcde', names), undefined);
    assert.equal(serviceOfPod('web', names), undefined);
  });
});

describe('API errors as one line', () => {
  const server = 'https://127.0.0.1:6443';
  it('a Status body becomes kubectl\'s "Error from server (Reason): message"', () => {
    const body = JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'services is forbidden: User "alice" cannot create resource "services" in API group "" in the namespace "team-a"' });
    const e = fromStatus(403, body, server);
    assert.equal(e.reason, 'Forbidden');
    assert.equal(e.message, 'Error from server (Forbidden): services is forbidden: User "alice" cannot create resource "services" in API group "" in the namespace "team-a"');
  });
  it('Invalid adds the fields its message does not name', () => {
    const body = { kind: 'Status', reason: 'Invalid', message: 'Deployment.apps "x" is invalid', details: { causes: [{ field: 'spec.template.spec.containers[0].ports[0].containerPort', message: 'Invalid value: 70000: must be between 1 and 65535' }] } };
    assert.match(fromStatus(422, body, server).message, /^Error from server \(Invalid\): Deployment.apps "x" is invalid \(spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort: Invalid value: 70000/);
  });
  it('401 is "You must be logged in"', () => {
    assert.match(fromStatus(401, undefined, server).message, /^You must be logged in to the server \(Unauthorized\)/);
  });
  it('a non-JSON body and a bare code still say something', () => {
    assert.equal(fromStatus(404, '', server).reason, 'NotFound');
    assert.match(fromStatus(500, 'upstream connect error', server).message, /upstream connect error/);
  });
  it('network failures', () => {
    assert.equal(fromNetwork({ code: 'ECONNREFUSED' }, server, 0).message, 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?');
    assert.match(fromNetwork({ name: 'TimeoutError' }, server, 5000).message, /timed out after 5s \(--request-timeout\)/);
    assert.match(fromNetwork({ code: 'ENOTFOUND' }, 'https://kube.example:6443', 0).message, /lookup kube\.example: no such host/);
    assert.match(fromNetwork({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }, server, 0).message, /x509: self-signed certificate/);
  });
  it('client-node ApiExceptions (code and raw body) map like the rest', () => {
    const e = toClusterError({ code: 404, body: JSON.stringify({ reason: 'NotFound', message: 'deployments.apps "x" not found' }) }, server);
    assert.equal(e.message, 'Error from server (NotFound): deployments.apps "x" not found');
  });
});

describe('unchanged detection', () => {
  it('compares labels, annotations and spec whatever the key order', () => {
    const a = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', labels: { a: '1', b: '2' }, resourceVersion: '1' }, spec: { type: 'ClusterIP', ports: [{ port: 80, name: 'p' }] } };
    const b = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', resourceVersion: '2', labels: { b: '2', a: '1' } }, spec: { ports: [{ name: 'p', port: 80 }], type: 'ClusterIP' } };
    assert.equal(sameContent(a, b), true);
    assert.equal(sameContent(a, { ...b, spec: { ...b.spec, type: 'NodePort' } }), false);
  });
});
