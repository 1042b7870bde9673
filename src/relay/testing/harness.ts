/**
 * Test harness: fake upstreams named `a`, `b`, ... and a relay whose single route `r` targets them in order, with short
 * timeouts and no backoff so failure tests stay fast, plus a hand-driven breaker clock and a log of `onEvent` calls.
 */
import { createRng } from "../../core/random.ts";
import { createRelay, type CreateRelayOptions } from "../relay.ts";
import type { RouteConfigInput } from "../config.ts";
import type { Relay, RelayEvent, RelayRequest } from "../types.ts";
import { startFakeUpstream, type FakeUpstream, type FakeUpstreamOptions } from "./fake-upstream.ts";

export interface Harness {
  relay: Relay;
  upstreams: FakeUpstream[];
  events: RelayEvent[];
  /** Advances the breakers' clock. */
  tick(ms: number): void;
  close(): Promise<void>;
}

export interface HarnessOptions {
  upstreams?: FakeUpstreamOptions[];
  route?: Partial<RouteConfigInput>;
  relay?: Partial<CreateRelayOptions>;
  seed?: number;
}

const NAMES = "abcdefgh";

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const specs = options.upstreams ?? [{}, {}];
  const upstreams = await Promise.all(specs.map((spec) => startFakeUpstream(spec)));
  const events: RelayEvent[] = [];
  let clock = 0;
  const route: RouteConfigInput = {
    name: "r",
    targets: upstreams.map((_, i) => ({ upstream: NAMES[i] ?? `u${i}`, model: `model-${NAMES[i] ?? i}` })),
    retries: 0,
    backoff_ms: { base: 0, max: 2_000 },
    timeouts_ms: { connect: 1_000, first_byte: 2_000, total: 8_000 },
    ...options.route,
  };
  const relay = createRelay({
    upstreams: Object.fromEntries(upstreams.map((u, i) => [NAMES[i] ?? `u${i}`, { base_url: u.url, connections: 8 }])),
    routes: [route],
    env: {},
    onEvent: (event) => events.push(event),
    now: () => clock,
    random: createRng(options.seed ?? 42),
    ...options.relay,
  });
  return {
    relay,
    upstreams,
    events,
    tick(ms) {
      clock += ms;
    },
    async close() {
      await relay.close();
      await Promise.all(upstreams.map((u) => u.close()));
    },
  };
}

export function chatRequest(body: Record<string, unknown> = {}, signal: AbortSignal = new AbortController().signal): RelayRequest {
  return { route: "r", body: { model: "r", messages: [{ role: "user", content: "hello" }], ...body }, signal };
}
