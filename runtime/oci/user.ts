/**
 * `-u` / the image's User resolved against the container's own /etc/passwd and /etc/group (read
 * inside the root filesystem, never following a symlink out of it), as Docker does: "name",
 * "uid", "name:group", "uid:gid"; a missing passwd entry for a numeric uid is fine (gid 0).
 */
import { lstatSync, readFileSync } from "node:fs";

function readInside(rootfs: string, path: string): string {
  try {
    if (!lstatSync(`${rootfs}${path}`).isFile()) return "";
    return readFileSync(`${rootfs}${path}`, "utf8");
  } catch {
    return "";
  }
}

function entries(text: string): string[][] {
  return text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) => l.split(":"));
}

export function resolveUser(rootfs: string, spec: string | undefined): { uid: number; gid: number; additionalGids: number[] } {
  if (spec === undefined || spec === "") return { uid: 0, gid: 0, additionalGids: [] };
  const [userPart = "", groupPart] = spec.split(":");
  const passwd = entries(readInside(rootfs, "/etc/passwd"));
  const groups = entries(readInside(rootfs, "/etc/group"));
  let uid: number;
  let gid = 0;
  let name: string | undefined;
  if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    const e = passwd.find((p) => p[2] === userPart);
    if (e) {
      gid = Number(e[3] ?? 0);
      name = e[0];
    }
  } else {
    const e = passwd.find((p) => p[0] === userPart);
    if (!e) throw new Error(`unable to find user ${userPart}: no matching entries in the container's /etc/passwd`);
    uid = Number(e[2]);
    gid = Number(e[3] ?? 0);
    name = userPart;
  }
  if (groupPart !== undefined && groupPart !== "") {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x[0] === groupPart);
      if (!g) throw new Error(`unable to find group ${groupPart}: no matching entries in the container's /etc/group`);
      gid = Number(g[2]);
    }
  }
  const additionalGids = name === undefined ? [] : groups.filter((g) => (g[3] ?? "").split(",").includes(name)).map((g) => Number(g[2])).filter((g) => g !== gid);
  return { uid, gid, additionalGids };
}
