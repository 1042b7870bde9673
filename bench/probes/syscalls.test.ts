import assert from "node:assert/strict";
import { test } from "node:test";
import { countSyscalls } from "./syscalls.ts";

test("syscalls are counted per thread role, an interrupted call once", () => {
  const trace = [
    "100   writev(22, [{iov_base=\"HTTP/1.1 200 OK\"...}], 2) = 512",
    "100   read(22, \"POST /v1/chat\"..., 65536) = 480",
    "101   pwrite64(44, \"\\0\\0\"..., 4096, 56) = 4096",
    "101   fcntl(25, F_SETLK, {l_type=F_WRLCK}) = 0",
    "100   epoll_pwait(13,  <unfinished ...>",
    "102   futex(0x7f, FUTEX_WAKE_PRIVATE, 1) = 1",
    "100   <... epoll_pwait resumed>[{events=EPOLLIN}], 1024, -1, NULL, 8) = 1",
    "+++ exited with 0 +++",
  ].join("\n");
  const { main, others } = countSyscalls(trace, 100);
  assert.deepEqual(Object.fromEntries(main), { writev: 1, read: 1, epoll_pwait: 1 });
  assert.deepEqual(Object.fromEntries(others), { pwrite64: 1, fcntl: 1, futex: 1 });
});
