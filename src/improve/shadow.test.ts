import { test } from "node:test";
import assert from "node:assert/strict";
import { tableClassifier } from "../tiers/testing.ts";
import { autoPromoteReason, emptyShadowStats, observeShadow, resumeShadowStats, summarizeShadow } from "./shadow.ts";

test("shadow counts: agreement with the served answer and the LLM, coverage of both models at their own thresholds", () => {
  const candidate = tableClassifier(["a", "b"], { x: { label: "a", confidence: 0.9 }, y: { label: "b", confidence: 0.6 } }, 0.8);
  const stats = emptyShadowStats("v2", "v1");
  observeShadow(stats, candidate, { text: "x", served: "a", llm: undefined, current: { label: "a", confidence: 0.95 }, currentThreshold: 0.9 });
  observeShadow(stats, candidate, { text: "y", served: "a", llm: "a", current: { label: "a", confidence: 0.5 }, currentThreshold: 0.9 });
  const s = summarizeShadow(stats);
  assert.deepEqual([s.requests, s.agreement_served, s.llm_answered, s.agreement_llm, s.current_agreement_llm, s.candidate_coverage, s.current_coverage], [2, 0.5, 1, 0, 1, 0.5, 0.5]);
  assert.equal(resumeShadowStats(JSON.parse(JSON.stringify(stats)), "v2", "v1").requests, 2);
  assert.equal(resumeShadowStats(stats, "v2", "v3").requests, 0, "another served version: counts start over");
});

test("automatic promotion: only with enough shadow traffic, both certified at the same ε, and more kept by the candidate", () => {
  const stats = { ...emptyShadowStats("v2", "v1"), requests: 600, candidateKept: 500, currentKept: 400 };
  const certified = { certified: true, maxError: 0.02 };
  assert.match(autoPromoteReason({ stats, minShadow: 500, candidate: certified, current: certified }) ?? "", /keeps 0\.8333 at ε=0\.02, the served model 0\.6667/);
  assert.equal(autoPromoteReason({ stats, minShadow: 1000, candidate: certified, current: certified }), undefined);
  assert.equal(autoPromoteReason({ stats, minShadow: 500, candidate: certified, current: { certified: true, maxError: 0.05 } }), undefined);
  assert.equal(autoPromoteReason({ stats, minShadow: 500, candidate: { certified: false, maxError: 0.02 }, current: certified }), undefined);
  assert.equal(autoPromoteReason({ stats: { ...stats, candidateKept: 400 }, minShadow: 500, candidate: certified, current: certified }), undefined);
  assert.equal(autoPromoteReason({ stats, minShadow: 500, candidate: certified, current: undefined }), undefined, "no certificate to compare with");
});
