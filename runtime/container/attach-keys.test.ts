import { describe, expect, it } from "vitest";
import { DEFAULT_DETACH_KEYS, DetachScanner, parseDetachKeys } from "./attach-keys.ts";

const bytes = (s: string) => Uint8Array.from(Buffer.from(s, "latin1"));
const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

describe("docker's --detach-keys notation", () => {
  it("reads ctrl- keys and single characters, case-insensitively after ctrl-", () => {
    expect([...parseDetachKeys(DEFAULT_DETACH_KEYS)]).toEqual([16, 17]);
    expect([...parseDetachKeys("ctrl-a,x")]).toEqual([1, 120]);
    expect([...parseDetachKeys("ctrl-Z,ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_")]).toEqual([26, 0, 27, 28, 29, 30, 31]);
  });

  it("turns detaching off with an empty string", () => {
    expect(parseDetachKeys("")).toHaveLength(0);
  });

  it("refuses what is not a key, naming it and showing the form", () => {
    expect(() => parseDetachKeys("ctrl-1")).toThrowError(/invalid detach keys "ctrl-1": "ctrl-1" is not a control key.*ctrl-p,ctrl-q/);
    expect(() => parseDetachKeys("ctrl-ab")).toThrowError(/"ctrl-ab" names no single key/);
    expect(() => parseDetachKeys("ab,ctrl-q")).toThrowError(/"ab" is not a single ASCII character/);
    expect(() => parseDetachKeys("é")).toThrowError(/not a single ASCII character/);
    expect(() => parseDetachKeys("ctrl-p,")).toThrowError(/"" is not a single ASCII character/);
  });
});

describe("the detach scanner", () => {
  it("passes ordinary input through untouched", () => {
    const s = new DetachScanner(parseDetachKeys(DEFAULT_DETACH_KEYS));
    expect(s.scan(bytes("echo hi\r"))).toEqual({ forward: bytes("echo hi\r"), detached: false });
  });

  it("detaches on the sequence, swallowing it and what follows, even split across reads", () => {
    const s = new DetachScanner(parseDetachKeys(DEFAULT_DETACH_KEYS));
    const first = s.scan(bytes("ls\x10"));
    expect(text(first.forward)).toBe("ls"); // ctrl-p held back: it may start the sequence
    expect(first.detached).toBe(false);
    expect(s.scan(bytes("\x11more"))).toEqual({ forward: new Uint8Array(0), detached: true });
  });

  it("releases held bytes in order when the sequence breaks", () => {
    const s = new DetachScanner(parseDetachKeys(DEFAULT_DETACH_KEYS));
    expect(text(s.scan(bytes("\x10")).forward)).toBe("");
    expect(text(s.scan(bytes("x")).forward)).toBe("\x10x");
    // ctrl-p ctrl-p ctrl-q: the first ctrl-p is the user's, the next two detach.
    expect(s.scan(bytes("\x10\x10\x11"))).toEqual({ forward: bytes("\x10"), detached: true });
  });

  it("handles sequences whose prefix repeats (a,a,b on input a,a,a,b)", () => {
    const s = new DetachScanner(Uint8Array.from([97, 97, 98]));
    expect(s.scan(bytes("aaab"))).toEqual({ forward: bytes("a"), detached: true });
  });

  it("gives back a held partial sequence when input ends", () => {
    const s = new DetachScanner(parseDetachKeys(DEFAULT_DETACH_KEYS));
    s.scan(bytes("q\x10"));
    expect(text(s.flush())).toBe("\x10");
    expect(text(s.flush())).toBe("");
  });

  it("never detaches when the sequence is empty", () => {
    const s = new DetachScanner(parseDetachKeys(""));
    expect(s.scan(bytes("\x10\x11"))).toEqual({ forward: bytes("\x10\x11"), detached: false });
  });
});
