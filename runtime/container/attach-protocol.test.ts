import { describe, expect, it } from "vitest";
import { decodeResize, encodeFrame, encodeResize, FrameDecoder, MAX_FRAME, RESIZE, STDERR, STDIN, STDOUT } from "./attach-protocol.ts";

describe("stdcopy framing", () => {
  it("writes docker's 8-byte header: stream, three zeros, big-endian length", () => {
    expect(encodeFrame(STDOUT, Buffer.from("hi\n")).toString("hex")).toBe("0100000000000003" + Buffer.from("hi\n").toString("hex"));
    expect(encodeFrame(STDERR, Buffer.alloc(0x1234)).subarray(0, 8).toString("hex")).toBe("0200000000001234");
  });

  it("reads frames back whatever the chunking, keeping the streams apart", () => {
    const wire = Buffer.concat([encodeFrame(STDOUT, Buffer.from("out\n")), encodeFrame(STDERR, Buffer.from("err\n")), encodeFrame(STDOUT, Buffer.alloc(0))]);
    for (const size of [1, 3, 8, 9, wire.length]) {
      const d = new FrameDecoder([STDOUT, STDERR]);
      const frames = [];
      for (let i = 0; i < wire.length; i += size) frames.push(...d.push(wire.subarray(i, i + size)));
      expect(frames.map((f) => [f.stream, f.data.toString()])).toEqual([
        [STDOUT, "out\n"],
        [STDERR, "err\n"],
        [STDOUT, ""],
      ]);
      expect(d.buffered).toBe(0);
    }
  });

  it("keeps an unfinished frame buffered", () => {
    const d = new FrameDecoder([STDOUT]);
    expect(d.push(encodeFrame(STDOUT, Buffer.from("abcdef")).subarray(0, 10))).toEqual([]);
    expect(d.buffered).toBe(10);
  });

  it("refuses a stream this side does not receive, and oversized frames", () => {
    expect(() => new FrameDecoder([STDIN, RESIZE]).push(encodeFrame(STDOUT, Buffer.from("x")))).toThrowError(/unexpected frame header 01000000.*stream 1/);
    expect(() => new FrameDecoder([STDOUT]).push(Buffer.from("GET / HTTP/1.1\r\n"))).toThrowError(/unexpected frame header/);
    const big = Buffer.alloc(8);
    big[0] = STDIN;
    big.writeUInt32BE(MAX_FRAME + 1, 4);
    expect(() => new FrameDecoder([STDIN]).push(big)).toThrowError(/over the 1048576-byte limit/);
  });
});

describe("control messages (client → monitor)", () => {
  it("carries a window size as rows and columns, big-endian", () => {
    const msg = encodeResize({ rows: 30, cols: 100 });
    expect(msg.toString("hex")).toBe("1000000000000004" + "001e0064");
    const [frame] = new FrameDecoder([STDIN, RESIZE]).push(msg);
    expect(frame?.stream).toBe(RESIZE);
    expect(decodeResize(frame!.data)).toEqual({ rows: 30, cols: 100 });
  });

  it("clamps sizes into 16 bits and rejects a payload of the wrong length", () => {
    expect(decodeResize(encodeResize({ rows: 70000, cols: -3 }).subarray(8))).toEqual({ rows: 65535, cols: 0 });
    expect(() => decodeResize(Buffer.alloc(3))).toThrowError(/carries 4 bytes, got 3/);
  });
});
