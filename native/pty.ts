/**
 * Pseudo-terminals and window sizes: a pty pair opened the way posix_openpt + unlockpt + ptsname
 * do it (open /dev/ptmx, TIOCSPTLCK 0, TIOCGPTN), and a terminal's size read or set with
 * TIOCGWINSZ / TIOCSWINSZ (struct winsize: rows, columns, then two unused pixel counts), and a
 * terminal put in raw mode as cfmakeraw(3) does it.
 */
import { sys, O_CLOEXEC, O_NOCTTY, O_RDWR, TCGETS, TCSETS, TIOCGPTN, TIOCGWINSZ, TIOCSPTLCK, TIOCSWINSZ } from "./index.ts";

export interface Pty {
  /** The master side: what a terminal emulator reads and writes. */
  master: number;
  /** The slave side, opened without becoming anyone's controlling terminal. */
  slave: number;
  /** /dev/pts/N */
  slavePath: string;
}

export interface WindowSize {
  rows: number;
  cols: number;
}

/** A new pseudo-terminal pair; both fds close-on-exec (pass the slave to a child explicitly). */
export function openPty(): Pty {
  const master = sys.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  try {
    sys.ioctl(master, TIOCSPTLCK, new Uint8Array(4), "/dev/ptmx");
    const n = new Uint8Array(4);
    sys.ioctl(master, TIOCGPTN, n, "/dev/ptmx");
    const slavePath = `/dev/pts/${new DataView(n.buffer).getUint32(0, true)}`;
    const slave = sys.open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC);
    return { master, slave, slavePath };
  } catch (err) {
    sys.close(master);
    throw err;
  }
}

/** A terminal's size (TIOCGWINSZ); throws ENOTTY when `fd` is not a terminal. */
export function windowSize(fd: number): WindowSize {
  const ws = new Uint8Array(8);
  sys.ioctl(fd, TIOCGWINSZ, ws, `fd ${fd}`);
  const view = new DataView(ws.buffer);
  return { rows: view.getUint16(0, true), cols: view.getUint16(2, true) };
}

/** Set a terminal's size (TIOCSWINSZ); on a pty master the kernel sends SIGWINCH to the slave's foreground group. */
export function setWindowSize(fd: number, size: WindowSize): void {
  const ws = new Uint8Array(8);
  const view = new DataView(ws.buffer);
  view.setUint16(0, size.rows, true);
  view.setUint16(2, size.cols, true);
  sys.ioctl(fd, TIOCSWINSZ, ws, `fd ${fd}`);
}

// struct termios as the kernel's TCGETS fills it: four u32 flag words, c_line, then c_cc.
const IFLAG = 0;
const OFLAG = 4;
const CFLAG = 8;
const LFLAG = 12;
const CC = 17;
const VTIME = 5;
const VMIN = 6;
const TERMIOS_SIZE = 64; // the kernel's struct is 36 bytes: room to spare

/**
 * Raw mode as cfmakeraw(3): no line editing, echo, signals from keys, CR/NL translation or
 * output processing (node's setRawMode keeps turning LF into CR-LF on output, which doubles the
 * CR of a remote terminal's output). Returns what restores the terminal as it was.
 */
export function makeRaw(fd: number): () => void {
  const saved = new Uint8Array(TERMIOS_SIZE);
  sys.ioctl(fd, TCGETS, saved, `fd ${fd}`);
  const raw = saved.slice();
  const view = new DataView(raw.buffer);
  const clear = (at: number, bits: number) => view.setUint32(at, view.getUint32(at, true) & ~bits, true);
  // IGNBRK BRKINT PARMRK ISTRIP INLCR IGNCR ICRNL IXON
  clear(IFLAG, 0o1 | 0o2 | 0o10 | 0o40 | 0o100 | 0o200 | 0o400 | 0o2000);
  clear(OFLAG, 0o1); // OPOST
  clear(LFLAG, 0o10 | 0o100 | 0o2 | 0o1 | 0o100000); // ECHO ECHONL ICANON ISIG IEXTEN
  clear(CFLAG, 0o60 | 0o400); // CSIZE PARENB
  view.setUint32(CFLAG, view.getUint32(CFLAG, true) | 0o60, true); // CS8
  raw[CC + VMIN] = 1;
  raw[CC + VTIME] = 0;
  sys.ioctl(fd, TCSETS, raw, `fd ${fd}`);
  return () => void sys.ioctl(fd, TCSETS, saved, `fd ${fd}`);
}
