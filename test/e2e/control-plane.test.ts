// Proves the e2e cluster is a real Kubernetes control plane: a hand-written
// Deployment (init container + main container, emptyDir, containerPort, TCP
// readiness probe) and a NodePort Service go through the real API server,
// controllers and scheduler; kwok plays the kubelet. Also checks the
// restricted user's RBAC. Run via test/e2e/run.sh (or with KUBECONFIG set):
//   node --import tsx --test test/e2e/control-plane.test.ts
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  KUBECTL,
  RESTRICTED_CONTEXT,
  RESTRICTED_NAMESPACE,
  applyManifest,
  freshNamespace,
  kubectl,
  kubectlJson,
  kubectlOk,
  requireRestrictedContext,
  waitFor,
  waitForReadyPods,
  type Namespace,
  type PodLike,
} from './helpers/kube.ts';

const APP = 'cp-e2e-web';
const REPLICAS = 2;

function deployment(name: string, replicas: number): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          volumes: [{ name: 'data', emptyDir: {} }],
          initContainers: [
            {
              name: 'fetch-data',
              image: 'busybox:1.36',
              command: ['sh', '-c', 'echo hello > /data/index.html'],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          containers: [
            {
              name: 'server',
              image: 'busybox:1.36',
              command: ['httpd', '-f', '-p', '8080', '-h', '/data'],
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 2 },
              volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
        },
      },
    },
  });
}

function nodePortService(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: {
      type: 'NodePort',
      selector: { app: name },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  });
}

describe('local control plane is a real Kubernetes API', () => {
  let ns: Namespace;
  let pods: PodLike[] = [];

  before(async () => {
    const v = await kubectl(['version', '--client']);
    assert.equal(v.code, 0, `kubectl (${KUBECTL}) does not run: ${v.stderr}`);
    ns = await freshNamespace('cp-e2e');
  });

  after(async () => {
    await ns?.cleanup().catch(() => {});
  });

  it('accepts a Deployment with an init container and a NodePort Service', async () => {
    await applyManifest(deployment(APP, REPLICAS), { namespace: ns.name });
    await applyManifest(nodePortService(APP), { namespace: ns.name });

    const dep = await kubectlJson(['get', 'deployment', APP], { namespace: ns.name });
    assert.equal(dep.metadata.uid.length > 0, true, 'Deployment has a server-assigned uid');
    assert.equal(dep.spec.template.spec.initContainers[0].name, 'fetch-data');
    // Server-side defaulting ran (proves a real API server, not an echo).
    assert.equal(dep.spec.strategy.type, 'RollingUpdate');
    assert.equal(dep.spec.template.spec.containers[0].readinessProbe.timeoutSeconds, 1);

    const svc = await kubectlJson(['get', 'service', APP], { namespace: ns.name });
    const nodePort: number = svc.spec.ports[0].nodePort;
    assert.ok(Number.isInteger(nodePort) && nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort} in 30000-32767`);
    assert.match(svc.spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/, 'a ClusterIP was allocated');
  });

  it('schedules the pods onto the kwok node and they become Running and Ready', async () => {
    pods = await waitForReadyPods(ns.name, `app=${APP}`, REPLICAS, 90_000);
    const nodes = await kubectlJson<{ items: any[] }>(['get', 'nodes']);
    const kwokNodes = new Set(
      nodes.items.filter((n) => n.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake').map((n) => n.metadata.name as string),
    );
    for (const pod of pods) {
      assert.ok(pod.spec.nodeName, `${pod.metadata.name} was scheduled`);
      if (kwokNodes.size > 0) assert.ok(kwokNodes.has(pod.spec.nodeName!), `${pod.metadata.name} runs on a kwok node`);
      assert.equal(pod.status.initContainerStatuses?.[0]?.state?.terminated?.reason, 'Completed', 'init container completed');
      assert.ok(pod.status.containerStatuses?.[0]?.state?.running, 'main container running');
      assert.equal(pod.status.containerStatuses?.[0]?.ready, true, 'main container ready');
      assert.ok(pod.status.podIP, `${pod.metadata.name} has a pod IP`);
    }
    const dep = await waitFor(
      async () => {
        const d = await kubectlJson(['get', 'deployment', APP], { namespace: ns.name });
        return d.status?.availableReplicas === REPLICAS ? d : undefined;
      },
      60_000,
      { description: 'Deployment availableReplicas' },
    );
    assert.equal(dep.status.readyReplicas, REPLICAS);
  });

  it('populates the Service EndpointSlices with the pod IPs', async () => {
    const podIPs = pods.map((p) => p.status.podIP).sort();
    const addresses = await waitFor(
      async () => {
        const slices = await kubectlJson<{ items: any[] }>(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${APP}`], {
          namespace: ns.name,
        });
        const ready = slices.items
          .flatMap((s) => s.endpoints ?? [])
          .filter((e: any) => e.conditions?.ready === true)
          .flatMap((e: any) => e.addresses as string[])
          .sort();
        const port = slices.items.flatMap((s) => s.ports ?? []).find((p: any) => p.name === 'http');
        return ready.length === podIPs.length && port?.port === 8080 ? ready : undefined;
      },
      60_000,
      { description: `EndpointSlices of ${APP} to list ${podIPs.join(', ')} on port 8080` },
    );
    assert.deepEqual(addresses, podIPs);
  });

  describe(`restricted user (context ${RESTRICTED_CONTEXT})`, () => {
    const asRestricted = { context: RESTRICTED_CONTEXT, namespace: RESTRICTED_NAMESPACE };
    const name = `cp-e2e-${randomBytes(3).toString('hex')}`;

    before(async () => {
      await requireRestrictedContext();
    });

    after(async () => {
      await kubectl(['delete', 'deployment', name, '--ignore-not-found', '--wait=false'], { namespace: RESTRICTED_NAMESPACE });
      await kubectl(['delete', 'service', name, '--ignore-not-found', '--wait=false'], { namespace: RESTRICTED_NAMESPACE });
    });

    it('is Forbidden from creating a Service in its own namespace', async () => {
      const r = await kubectl(['create', '-f', '-'], { ...asRestricted, input: nodePortService(name) });
      assert.notEqual(r.code, 0, `creating a Service should fail, got: ${r.stdout}`);
      assert.match(r.stderr, /forbidden/i);
      assert.match(r.stderr, /cannot create resource "services"/);
      const exists = await kubectl(['get', 'service', name], { namespace: RESTRICTED_NAMESPACE });
      assert.notEqual(exists.code, 0, 'the Service was not created');
    });

    it('is Forbidden from listing pods in namespace default', async () => {
      const r = await kubectl(['get', 'pods'], { context: RESTRICTED_CONTEXT, namespace: 'default' });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /forbidden/i);
      assert.match(r.stderr, /cannot list resource "pods"/);
      assert.match(r.stderr, /in the namespace "default"/);
    });

    it('has nothing cluster-wide (cannot list nodes or create namespaces)', async () => {
      const nodes = await kubectl(['get', 'nodes'], { context: RESTRICTED_CONTEXT });
      assert.notEqual(nodes.code, 0);
      assert.match(nodes.stderr, /forbidden/i);
      const nsCreate = await kubectl(['create', 'namespace', `${name}-x`], { context: RESTRICTED_CONTEXT });
      assert.notEqual(nsCreate.code, 0);
      assert.match(nsCreate.stderr, /forbidden/i);
    });

    it('may create a Deployment in its namespace, whose pods become Ready', async () => {
      const out = await kubectlOk(['create', '-f', '-'], { ...asRestricted, input: deployment(name, 1) });
      assert.match(out, new RegExp(`deployment.apps/${name} created`));
      const ready = await waitForReadyPods(RESTRICTED_NAMESPACE, `app=${name}`, 1, 90_000, { context: RESTRICTED_CONTEXT });
      assert.equal(ready.length, 1);
      await kubectlOk(['delete', 'deployment', name, '--wait=false'], asRestricted);
    });
  });

  it('deleting the namespace removes its pods (kwok pod-delete stage)', async () => {
    await ns.cleanup({ wait: true, timeoutMs: 120_000 });
    const r = await kubectl(['get', 'namespace', ns.name]);
    assert.notEqual(r.code, 0, 'namespace is gone');
  });
});
