import { test } from "node:test";
import assert from "node:assert/strict";
import { found } from "./test-helpers.ts";

test("email: addresses with dots, plus tags, subdomains; punctuation left out", () => {
  assert.deepEqual(found("write to jean.dupont@example.fr."), ["email:jean.dupont@example.fr"]);
  assert.deepEqual(found("<marie+news@mail.example.co.uk>"), ["email:marie+news@mail.example.co.uk"]);
  assert.deepEqual(found("mailto:J_Smith99@Example.COM, then"), ["email:J_Smith99@Example.COM"]);
  assert.deepEqual(found("a@b.io and c@d.fr"), ["email:a@b.io", "email:c@d.fr"]);
  assert.deepEqual(found("écrire à élodie@exemple.fr ou jörg@müller.de"), ["email:élodie@exemple.fr", "email:jörg@müller.de"]);
});

test("email: near-misses are not flagged", () => {
  assert.deepEqual(found("ping @jean on chat"), []);
  assert.deepEqual(found("user@localhost"), [], "no top-level domain");
  assert.deepEqual(found("jean@example.c0m"), [], "digits in the TLD");
  assert.deepEqual(found("x@-example.com"), [], "label starting with a dash");
  assert.deepEqual(found(`${"a".repeat(65)}@example.com`), [], "local part over 64 characters");
  assert.deepEqual(found(".@example.com"), []);
});

test("IPv4: octets in range, no leading zeros, not part of a longer dotted run", () => {
  assert.deepEqual(found("from 192.168.1.10, then"), ["ip:192.168.1.10"]);
  assert.deepEqual(found("host 10.0.0.1:8080"), ["ip:10.0.0.1"]);
  assert.deepEqual(found("bad 256.1.1.1"), []);
  assert.deepEqual(found("version 1.2.3"), []);
  assert.deepEqual(found("oid 1.2.3.4.5"), []);
  assert.deepEqual(found("date 01.02.03.04"), []);
});

test("IPv6: full, compressed, loopback, IPv4-mapped; times and MAC addresses are not", () => {
  assert.deepEqual(found("via 2001:db8:85a3:0:0:8a2e:370:7334."), ["ip:2001:db8:85a3:0:0:8a2e:370:7334"]);
  assert.deepEqual(found("via 2001:db8::1 and ::1"), ["ip:2001:db8::1", "ip:::1"]);
  assert.deepEqual(found("link fe80::1ff:fe23:4567:890a"), ["ip:fe80::1ff:fe23:4567:890a"]);
  assert.deepEqual(found("mapped ::ffff:192.0.2.128"), ["ip:::ffff:192.0.2.128"]);
  assert.deepEqual(found("at 12:30:45 today"), []);
  assert.deepEqual(found("mac 00:1A:2B:3C:4D:5E"), []);
  assert.deepEqual(found("1:2:3:4:5:6:7:8:9"), [], "nine groups");
  assert.deepEqual(found("2001:db8::1::2"), [], "two ::");
  assert.deepEqual(found("C++ std::map and dead::beef"), []);
  assert.deepEqual(found("abc2001:db8::1"), [], "glued to a word");
});
