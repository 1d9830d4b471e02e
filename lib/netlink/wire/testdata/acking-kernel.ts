/** A fake kernel for request tests: records each request and acknowledges it with errno 0. */
import { NLMSG_ERROR } from "../constants.ts";
import type { Transport } from "../engine.ts";
import { concatBytes, encodeMessage, splitMessages, type NetlinkMessage } from "../message.ts";

export class AckingKernel implements Transport {
  readonly portId = 0;
  readonly sent: NetlinkMessage[] = [];
  #queue: Uint8Array[] = [];

  send(bytes: Uint8Array): void {
    const req = splitMessages(bytes)[0] as NetlinkMessage;
    this.sent.push(req);
    const echo = encodeMessage(req, new Uint8Array(0)).subarray(0, 16);
    this.#queue.push(encodeMessage({ type: NLMSG_ERROR, flags: 0, seq: req.seq, pid: 0 }, concatBytes([new Uint8Array(4), echo])));
  }

  recv(): Uint8Array {
    const d = this.#queue.shift();
    if (d === undefined) throw new Error("no reply queued");
    return d;
  }
}
