import { describe, expect, it } from "vitest";
import { readSync, writeSync } from "node:fs";
import { isatty } from "node:tty";
import { sys } from "./index.ts";
import { makeRaw, openPty, setWindowSize, windowSize } from "./pty.ts";

describe("pseudo-terminals of the native backend under Node (koffi)", () => {
  it("opens an unlocked pair whose slave echoes what the master types, line by line", () => {
    const pty = openPty();
    try {
      expect(pty.slavePath).toMatch(/^\/dev\/pts\/\d+$/);
      expect(isatty(pty.slave)).toBe(true);
      writeSync(pty.master, "hi\n");
      const buf = Buffer.alloc(64);
      // The line discipline hands the slave a whole line (canonical mode).
      expect(buf.toString("utf8", 0, readSync(pty.slave, buf))).toBe("hi\n");
      // ... and echoes it back to the master, with CR-LF.
      expect(buf.toString("utf8", 0, readSync(pty.master, buf))).toBe("hi\r\n");
    } finally {
      sys.close(pty.slave);
      sys.close(pty.master);
    }
  });

  it("sets the window size on the master and reads it back from either side", () => {
    const pty = openPty();
    try {
      setWindowSize(pty.master, { rows: 30, cols: 100 });
      expect(windowSize(pty.slave)).toEqual({ rows: 30, cols: 100 });
      expect(windowSize(pty.master)).toEqual({ rows: 30, cols: 100 });
    } finally {
      sys.close(pty.slave);
      sys.close(pty.master);
    }
  });

  it("puts a terminal in raw mode (bytes pass untranslated, unechoed) and restores it", () => {
    const pty = openPty();
    const buf = Buffer.alloc(64);
    try {
      const restore = makeRaw(pty.slave);
      writeSync(pty.master, "a\r"); // no line to wait for, no CR→NL, no echo
      expect(buf.toString("latin1", 0, readSync(pty.slave, buf))).toBe("a\r");
      writeSync(pty.slave, "b\n"); // no NL→CR-NL on output
      expect(buf.toString("latin1", 0, readSync(pty.master, buf))).toBe("b\n");
      restore();
      writeSync(pty.slave, "c\n");
      expect(buf.toString("latin1", 0, readSync(pty.master, buf))).toBe("c\r\n");
    } finally {
      sys.close(pty.slave);
      sys.close(pty.master);
    }
  });

  it("reports ENOTTY, naming the fd, for something that is not a terminal", () => {
    const fd = sys.open("/dev/null", 0);
    try {
      expect(() => windowSize(fd)).toThrowError(expect.objectContaining({ code: "ENOTTY", syscall: "ioctl" }));
      expect(() => windowSize(fd)).toThrowError(new RegExp(`fd ${fd}`));
    } finally {
      sys.close(fd);
    }
  });
});
