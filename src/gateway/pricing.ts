/**
 * What a request may cost before it runs (for budget reservations) and what it did cost after (for the ledger), from the
 * meter's dated price table. Reservations must never be below the real cost, or concurrent requests could overshoot a
 * budget: prompt tokens are bounded by the prompt's UTF-8 bytes (no tokenizer emits more tokens than bytes), output tokens
 * by max_tokens (or the route's default, or the LLM tier's max_tokens), at the price of the dearest tier or target that
 * may answer. Counting bytes instead of tokens keeps the tokenizer off the hot path.
 */
import type { Meter } from "../meter/index.ts";
import type { RelayTarget } from "../relay/index.ts";
import type { PricedFigure } from "./task-call.ts";
import type { ServedTask } from "./task-service.ts";

export interface Reservation {
  maxCostUsd: number | null;
  estimatedTokens: number;
}

export interface Pricing {
  taskReservation(task: ServedTask, text: string): Reservation;
  routeReservation(targets: readonly RelayTarget[], promptBytes: number, maxTokens: number): Reservation;
  tokensCost(model: string, inputTokens: number, outputTokens: number): PricedFigure;
  tokensEnergy(model: string, inputTokens: number, outputTokens: number): PricedFigure;
}

// A compact answer's CPU time is well under this; reserving it keeps a budgeted key from running on credit.
const COMPACT_CPU_MS_RESERVED = 50;

export function createPricing(meter: Meter): Pricing {
  const promptOverhead = new Map<ServedTask, number>();
  const priced = (model: string): boolean => {
    try {
      meter.resolvePrice(model);
      return true;
    } catch {
      return false;
    }
  };
  const knownPrice = new Map<string, boolean>();
  const isPriced = (model: string): boolean => {
    let known = knownPrice.get(model);
    if (known === undefined) knownPrice.set(model, (known = priced(model)));
    return known;
  };
  const overheadOf = (task: ServedTask): number => {
    let bytes = promptOverhead.get(task);
    if (bytes === undefined) {
      // The template, the label or field list and a margin for the built-in template's wording.
      const spec = task.spec;
      bytes = Buffer.byteLength(`${spec.promptTemplate ?? ""}${(spec.labels ?? []).join("\n")}${(spec.fields ?? []).join("\n")}`) + 1024;
      promptOverhead.set(task, bytes);
    }
    return bytes;
  };
  return {
    taskReservation(task, text) {
      const inputBytes = Buffer.byteLength(text) + overheadOf(task);
      let usd = meter.costOfCpu(COMPACT_CPU_MS_RESERVED).usd ?? 0;
      let tokens = 0;
      for (const tier of task.tiers) {
        if (tier.kind !== "llm" || tier.model === undefined) continue;
        const out = tier.maxTokens ?? 512;
        tokens += inputBytes + out;
        if (tier.provider === "llama-cpp") continue; // self-hosted: priced by CPU time, not tokens
        if (!isPriced(tier.model)) return { maxCostUsd: null, estimatedTokens: tokens };
        usd += meter.costOfTokens(tier.model, inputBytes, out).usd ?? 0;
      }
      return { maxCostUsd: usd, estimatedTokens: tokens };
    },
    routeReservation(targets, promptBytes, maxTokens) {
      let usd = 0;
      for (const t of targets) {
        if (!isPriced(t.model)) return { maxCostUsd: null, estimatedTokens: promptBytes + maxTokens };
        usd = Math.max(usd, meter.costOfTokens(t.model, promptBytes, maxTokens).usd ?? 0);
      }
      return { maxCostUsd: usd, estimatedTokens: promptBytes + maxTokens };
    },
    tokensCost(model, inputTokens, outputTokens) {
      if (!isPriced(model)) return { value: null, provenance: "not_measured" };
      const c = meter.costOfTokens(model, inputTokens, outputTokens, "measured");
      return { value: c.usd, provenance: c.provenance };
    },
    tokensEnergy(model, inputTokens, outputTokens) {
      const e = meter.energyOfTokens(model, inputTokens, outputTokens);
      return { value: e.joules, provenance: e.joules === null ? "not_measured" : e.provenance };
    },
  };
}
