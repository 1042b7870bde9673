/**
 * The deployment files, checked offline (no docker, no cluster, no registry here): every manifest parses; the probe
 * and health-check paths are routes a real gateway answers; the port is the same in the Dockerfile, compose, nginx,
 * frugal.yaml and Kubernetes; deploy/frugal.yaml validates against the real schema and every `${VAR}` and API key
 * variable it uses is provided by the Secret and by compose; the ConfigMap carries the same frugal.yaml; the pods run
 * as non-root on a read-only root filesystem with writable data and temp dirs; the grace period covers preStop +
 * drain; the HPA, PDB and Service select the Deployment's pods.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import { loadConfigFile } from "../src/core/config-file.ts";
import { gatewayConfigSchema, type GatewayConfig } from "../src/gateway/config.ts";
import { PG_SCHEMES, REDIS_SCHEMES, resolveStoreUrl } from "../src/gateway/store-config.ts";
import { startTestGateway, type TestGateway } from "../src/gateway/testing/test-gateway.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

type Doc = Record<string, any>;

/** Every Kubernetes object under deploy/k8s/, by kind (one of each). */
function manifests(): Map<string, Doc> {
  const byKind = new Map<string, Doc>();
  for (const file of readdirSync(join(ROOT, "deploy/k8s")).filter((f) => f.endsWith(".yaml"))) {
    for (const doc of parseAllDocuments(read(`deploy/k8s/${file}`))) {
      assert.deepEqual(doc.errors, [], file);
      const object = doc.toJS() as Doc | null;
      if (object === null) continue;
      assert.ok(typeof object.kind === "string" && typeof object.apiVersion === "string", `${file}: a Kubernetes object`);
      assert.equal(byKind.has(object.kind), false, `${file}: a second ${object.kind}`);
      byKind.set(object.kind, object);
    }
  }
  return byKind;
}

/** The value after `--flag` in an argument list. */
const flag = (args: string[], name: string): string | undefined => args[args.indexOf(name) + 1];

const dockerfile = read("Dockerfile");
const dockerCmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? "null") as string[];
const compose = parse(read("compose.yaml"), { merge: true }) as Doc;
const nginx = read("deploy/nginx.conf");
const k8s = manifests();
const deployment = k8s.get("Deployment")!;
const pod = deployment?.spec.template.spec as Doc;
const container = pod?.containers[0] as Doc;
const configText = read("deploy/frugal.yaml");
const PLACEHOLDER_URLS: Record<string, string> = { FRUGAL_PG_URL: "postgres://frugal:secret@postgres:5432/frugal", FRUGAL_REDIS_URL: "redis://redis:6379/0" };

/** Variables deploy/frugal.yaml reads: values that are a whole `${VAR}` (anywhere in the file), and every `api_key_env`. */
function variablesOf(config: GatewayConfig): string[] {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === "string") {
      const ref = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value.trim());
      if (ref !== null) names.add(ref[1]!);
    } else if (value !== null && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(parse(configText));
  for (const upstream of Object.values(config.upstreams)) if (upstream.api_key_env !== undefined) names.add(upstream.api_key_env);
  return [...names].sort();
}

/**
 * The packages `frugal` loads at run time: bare imports reachable from bin/frugal.js through static and dynamic imports
 * (type-only imports are erased and do not count). What `npm ci --omit=dev` must provide.
 */
function runtimePackages(): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const statement = /(?:^|[;}\n])\s*(?:import|export)\s+(type\s+)?(?:[^;"']*?\sfrom\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(statement)) {
      const specifier = m[3] ?? m[2]!;
      if (m[1] !== undefined) continue;
      if (specifier.startsWith(".")) visit(join(dirname(file), specifier));
      else if (!specifier.startsWith("node:")) packages.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!);
    }
  };
  visit(join(ROOT, "bin/frugal.js"));
  assert.ok(seen.size > 50, `followed ${seen.size} files from bin/frugal.js`);
  return packages;
}

describe("deployment files (validated offline)", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw?.close());

  it("has one of each Kubernetes object, namespace-agnostic", () => {
    assert.deepEqual([...k8s.keys()].sort(), ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Secret", "Service"]);
    for (const [kind, object] of k8s) assert.equal(object.metadata.namespace, undefined, `${kind} names no namespace`);
  });

  it("probes and health checks ask routes the gateway answers (readiness turns 503 while draining)", async () => {
    const paths = {
      docker: /fetch\('http:\/\/127\.0\.0\.1:(\d+)(\/\w+)'\)/.exec(dockerfile)?.[2],
      readiness: container.readinessProbe.httpGet.path,
      liveness: container.livenessProbe.httpGet.path,
      startup: container.startupProbe.httpGet.path,
    };
    assert.deepEqual(paths, { docker: "/healthz", readiness: "/readyz", liveness: "/healthz", startup: "/healthz" });
    for (const path of new Set(Object.values(paths))) assert.equal((await fetch(`${gw.url}${path}`)).status, 200, path);
    gw.gateway.context.inFlight.draining = true;
    try {
      assert.equal((await fetch(`${gw.url}${paths.readiness}`)).status, 503, "a draining replica is not ready");
      assert.equal((await fetch(`${gw.url}${paths.liveness}`)).status, 200, "but it is alive: liveness must not kill a drain");
    } finally {
      gw.gateway.context.inFlight.draining = false;
    }
  });

  it("one port everywhere: Dockerfile, frugal.yaml, compose, nginx, Deployment, Service", () => {
    const config = loadConfigFile(gatewayConfigSchema, join(ROOT, "deploy/frugal.yaml"));
    const port = String(config.server.port);
    const ports: Record<string, string | undefined> = {
      "Dockerfile EXPOSE": /^EXPOSE (\d+)$/m.exec(dockerfile)?.[1],
      "Dockerfile CMD --port": flag(dockerCmd, "--port"),
      "Dockerfile HEALTHCHECK": /fetch\('http:\/\/127\.0\.0\.1:(\d+)\//.exec(dockerfile)?.[1],
      "Deployment --port": flag(container.args, "--port"),
      "Deployment containerPort": String(container.ports[0].containerPort),
      "Deployment prometheus annotation": deployment.spec.template.metadata.annotations["prometheus.io/port"],
    };
    const replicas = Object.keys(compose.services).filter((s) => s.startsWith("frugal-"));
    assert.equal(replicas.length, 2, "compose runs 2 replicas");
    for (const name of replicas) {
      ports[`compose ${name} --port`] = flag(compose.services[name].command, "--port");
      ports[`compose ${name} expose`] = String(compose.services[name].expose[0]);
    }
    const servers = [...nginx.matchAll(/^\s*server ([\w-]+):(\d+)/gm)];
    assert.deepEqual(servers.map((m) => m[1]).sort(), replicas.sort(), "nginx balances over exactly the compose replicas");
    servers.forEach((m) => (ports[`nginx server ${m[1]}`] = m[2]));
    for (const [where, value] of Object.entries(ports)) assert.equal(value, port, where);
    // The Service's targetPort names the container port; nginx listens where compose publishes.
    const service = k8s.get("Service")!;
    assert.equal(service.spec.ports[0].targetPort, container.ports[0].name);
    const listen = /^\s*listen (\d+);/m.exec(nginx)?.[1];
    assert.deepEqual(compose.services.proxy.ports, [`${port}:${listen}`]);
  });

  it("deploy/frugal.yaml validates against the real schema, with its store urls read from the environment", () => {
    const config = loadConfigFile(gatewayConfigSchema, join(ROOT, "deploy/frugal.yaml"));
    const urls: Array<[string, string | undefined, readonly string[]]> = [
      ["ledger.url", config.ledger.url, PG_SCHEMES],
      ["keys.url", config.keys.url, PG_SCHEMES],
      ["counters.url", config.counters.url, REDIS_SCHEMES],
      ["cache.url", config.cache.url, REDIS_SCHEMES],
    ];
    for (const [keyPath, value, schemes] of urls) {
      assert.ok(value !== undefined, `${keyPath} is set: the replicas share their state`);
      assert.equal(resolveStoreUrl(value, schemes, PLACEHOLDER_URLS, keyPath), PLACEHOLDER_URLS[/\$\{(\w+)\}/.exec(value)?.[1] ?? ""], keyPath);
      assert.throws(() => resolveStoreUrl(value, schemes, {}, keyPath), /is not set/, `${keyPath} comes from the environment`);
    }
    assert.equal(config.server.host, "0.0.0.0");
  });

  it("the Secret and compose provide every variable the config reads, and the admin key", () => {
    const config = loadConfigFile(gatewayConfigSchema, join(ROOT, "deploy/frugal.yaml"));
    const used = variablesOf(config);
    assert.deepEqual(used, ["FRUGAL_LLM_API_KEY", "FRUGAL_PG_URL", "FRUGAL_REDIS_URL"]);
    const secret = k8s.get("Secret")!;
    assert.deepEqual(Object.keys(secret.stringData).sort(), ["FRUGAL_ADMIN_KEY", ...used].sort());
    assert.equal(container.envFrom[0].secretRef.name, secret.metadata.name);
    for (const name of ["frugal-1", "frugal-2"]) {
      const env = compose.services[name].environment as Record<string, string>;
      assert.deepEqual(Object.keys(env).filter((k) => k !== "FRUGAL_LOG_LEVEL").sort(), ["FRUGAL_ADMIN_KEY", ...used].sort(), name);
      assert.match(env.FRUGAL_PG_URL!, /@postgres:5432\//, `${name} reaches the compose postgres`);
      assert.match(env.FRUGAL_REDIS_URL!, /^redis:\/\/redis:6379\//, `${name} reaches the compose redis`);
    }
  });

  it("the ConfigMap carries deploy/frugal.yaml, mounted where the pods' command reads it", () => {
    const configMap = k8s.get("ConfigMap")!;
    assert.equal(configMap.data["frugal.yaml"], configText, "deploy/k8s/configmap.yaml differs from deploy/frugal.yaml");
    const configPath = container.args[1] as string;
    assert.deepEqual(container.args, dockerCmd, "the Deployment runs the image's own command");
    const volume = pod.volumes.find((v: Doc) => v.configMap?.name === configMap.metadata.name);
    const mount = container.volumeMounts.find((m: Doc) => m.name === volume?.name);
    assert.equal(join(mount.mountPath, "frugal.yaml"), configPath);
    for (const name of ["frugal-1", "frugal-2"]) assert.ok(compose.services[name].volumes.includes(`./deploy/frugal.yaml:${configPath}:ro`), name);
  });

  it("`npm ci --omit=dev` installs every package the CLI loads at run time", () => {
    const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string> };
    const missing = [...runtimePackages()].filter((name) => !Object.hasOwn(pkg.dependencies, name));
    assert.deepEqual(missing, [], "loaded at run time but only a devDependency (or not declared)");
  });

  it("non-root on a read-only root filesystem, with the data dir and /tmp writable", () => {
    assert.match(dockerfile, /^USER node$/m, "the image drops root");
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.notEqual(pod.securityContext.runAsUser, 0);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    const emptyDirs = new Set(pod.volumes.filter((v: Doc) => v.emptyDir !== undefined).map((v: Doc) => v.name));
    const writable = container.volumeMounts.filter((m: Doc) => emptyDirs.has(m.name)).map((m: Doc) => m.mountPath).sort();
    assert.deepEqual(writable, [flag(container.args, "--data-dir"), "/tmp"].sort());
    assert.ok(container.resources.requests.cpu !== undefined, "the HPA needs a CPU request");
    assert.ok(container.resources.limits.memory !== undefined);
  });

  it("shutdown fits: grace period > preStop sleep + drain_ms + 1 s; compose waits longer than the drain", () => {
    const config = loadConfigFile(gatewayConfigSchema, join(ROOT, "deploy/frugal.yaml"));
    const preStop = container.lifecycle.preStop.exec.command as string[];
    assert.equal(preStop[0], "sleep");
    const preStopMs = Number(preStop[1]) * 1000;
    assert.ok(preStopMs > 0, "preStop sleeps so endpoints drop the pod before SIGTERM");
    // 1 s: what the gateway allows, after drain_ms, to answer the requests it cut (src/gateway/server.ts).
    assert.ok(pod.terminationGracePeriodSeconds * 1000 > preStopMs + config.server.drain_ms + 1_000, `${pod.terminationGracePeriodSeconds} s`);
    for (const name of ["frugal-1", "frugal-2"]) assert.ok(Number(/^(\d+)s$/.exec(compose.services[name].stop_grace_period)?.[1]) * 1000 > config.server.drain_ms + 1_000, name);
  });

  it("2+ replicas; the HPA scales the Deployment on CPU; the PDB and the Service select its pods", () => {
    const labels = deployment.spec.template.metadata.labels as Record<string, string>;
    assert.deepEqual(deployment.spec.selector.matchLabels, labels);
    assert.ok(deployment.spec.replicas >= 2);
    const hpa = k8s.get("HorizontalPodAutoscaler")!;
    assert.deepEqual([hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name], ["Deployment", deployment.metadata.name]);
    assert.ok(hpa.spec.minReplicas >= 2);
    assert.equal(hpa.spec.metrics[0].resource.name, "cpu");
    const pdb = k8s.get("PodDisruptionBudget")!;
    assert.deepEqual(pdb.spec.selector.matchLabels, labels);
    assert.ok(pdb.spec.minAvailable >= 1 && pdb.spec.minAvailable < deployment.spec.replicas);
    assert.deepEqual(k8s.get("Service")!.spec.selector, labels);
  });

  it("nginx: least connections, streams unbuffered, a request already sent never resent", () => {
    assert.match(nginx, /^\s*least_conn;/m);
    assert.match(nginx, /^\s*proxy_buffering off;/m);
    assert.match(nginx, /^\s*proxy_http_version 1\.1;/m);
    assert.doesNotMatch(nginx, /non_idempotent/);
    assert.deepEqual(Object.keys(compose.services).sort(), ["frugal-1", "frugal-2", "postgres", "proxy", "redis"]);
    assert.match(compose.services.redis.image, /^redis:7/);
    assert.match(compose.services.postgres.image, /^postgres:16/);
    assert.ok(compose.services.postgres.volumes.some((v: string) => v.endsWith(":/var/lib/postgresql/data")), "postgres keeps its data in a volume");
    assert.ok(compose.services.proxy.volumes.includes("./deploy/nginx.conf:/etc/nginx/nginx.conf:ro"));
  });
});
