/** Clients the kernel suites run inside a namespace: an HTTP GET and a UDP request, with short deadlines. */
import type { TestNetns } from "./netns.ts";

/** GET `url` from inside `ns`: the body, or "FAIL" when nothing answers within `timeoutMs`. */
export function fetchFrom(ns: TestNetns, url: string, timeoutMs = 1500): string {
  return ns.run(process.execPath, ["-e", `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(${timeoutMs}) }).then(r => r.text()).then(t => process.stdout.write(t), () => process.stdout.write("FAIL"))`]);
}

/** One UDP request from inside `ns` (re-sent every 200 ms for up to 2 s): the answer, or "FAIL". */
export function udpFrom(ns: TestNetns, host: string, port: number, message = "hi"): string {
  const script = `const s = require("node:dgram").createSocket("udp4"); let n = 0;
    const t = setInterval(() => { if (++n > 10) { process.stdout.write("FAIL"); process.exit(0); } s.send(${JSON.stringify(message)}, ${port}, ${JSON.stringify(host)}); }, 200);
    s.on("message", (m) => { process.stdout.write(String(m)); process.exit(0); });`;
  return ns.run(process.execPath, ["-e", script]);
}
