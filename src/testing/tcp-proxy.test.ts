import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type Socket } from "node:net";
import { once } from "node:events";
import { startTcpProxy } from "./tcp-proxy.ts";

/** Sends one line through a fresh connection and resolves with the echo, or with "closed" when the peer hangs up first. */
async function roundTrip(port: number, line: string): Promise<string> {
  const socket = connect({ host: "127.0.0.1", port });
  return new Promise((resolve) => {
    let got = "";
    socket.on("data", (chunk) => {
      got += chunk.toString();
      if (got.endsWith("\n")) {
        socket.end();
        resolve(got.trim());
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve(got === "" ? "closed" : got.trim()));
    socket.write(`${line}\n`);
  });
}

test("the proxy passes bytes both ways, cuts open connections and refuses new ones, then restores", async () => {
  const echo = createServer((s) => s.pipe(s));
  echo.listen(0, "127.0.0.1");
  await once(echo, "listening");
  const port = (echo.address() as { port: number }).port;
  const proxy = await startTcpProxy({ targetHost: "127.0.0.1", targetPort: port });
  try {
    assert.equal(await roundTrip(proxy.port, "hello"), "hello");

    const held: Socket = connect({ host: "127.0.0.1", port: proxy.port });
    held.on("error", () => {});
    await once(held, "connect");
    held.write("x\n");
    await once(held, "data");
    const closed = once(held, "close");
    proxy.cut();
    await closed; // an open pair is torn down by cut(), not left hanging
    assert.equal(await roundTrip(proxy.port, "refused"), "closed");

    proxy.restore();
    assert.equal(await roundTrip(proxy.port, "again"), "again");
  } finally {
    await proxy.close();
    echo.close();
  }
});
