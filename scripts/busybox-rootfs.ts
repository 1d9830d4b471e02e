/**
 * A busybox root filesystem tarball from Debian's busybox-static (every applet linked, a
 * passwd/group, a web root): the image the demo and the end-to-end tests import.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";

/** Write the tarball to `out`. */
export function busyboxRootfsTar(out: string): void {
  if (!existsSync("/bin/busybox")) throw new Error("/bin/busybox is missing: apt-get install busybox-static");
  const dir = mkdtempSync(`${tmpdir()}/berth-rootfs-`);
  try {
    const r = `${dir}/rootfs`;
    for (const d of ["bin", "etc", "tmp", "proc", "sys", "dev", "root", "www"]) mkdirSync(`${r}/${d}`, { recursive: true });
    copyFileSync("/bin/busybox", `${r}/bin/busybox`);
    const applets = spawnSync("/bin/busybox", ["--list"], { encoding: "utf8" }).stdout.split("\n").filter((a) => a !== "" && a !== "busybox");
    for (const a of applets) if (!existsSync(`${r}/bin/${a}`)) symlinkSync("busybox", `${r}/bin/${a}`);
    writeFileSync(`${r}/etc/passwd`, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
    writeFileSync(`${r}/etc/group`, "root:x:0:\nnogroup:x:65534:\n");
    writeFileSync(`${r}/www/index.html`, "hello from berth\n");
    const tar = spawnSync("tar", ["-C", r, "-cf", out, "."], { encoding: "utf8" });
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
