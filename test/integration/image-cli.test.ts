/**
 * The image commands of the built binary, with --root in a temp dir: docker's grammar, output and
 * exit codes; archives checked by an independent reader (skopeo, installed with apt-get).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { DIST } from "../harness/plugin.ts";
import { busyboxRootfs, classicArchive, compress, layeredTars, makeImage, sha256 } from "../harness/image-fixtures.ts";

const BERTH = `${DIST}/berth`;
let dir: string;
let root: string;
let rootfsSize = 0;

function berth(args: string[], input?: Buffer | string, env: Record<string, string> = {}) {
  const out = spawnSync(BERTH, args, { input, env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  return { status: out.status, stdout: out.stdout.toString(), stderr: out.stderr.toString(), raw: out.stdout };
}
const at = (...args: string[]) => berth(["--root", root, ...args]);

function berthAsync(args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => spawn(BERTH, args, { stdio: "ignore" }).once("exit", resolve).once("error", reject));
}

beforeAll(async () => {
  dir = mkdtempSync(`${tmpdir()}/berth-test-cli-`);
  root = `${dir}/root`;
  const rootfs = await busyboxRootfs();
  rootfsSize = rootfs.length;
  writeFileSync(`${dir}/rootfs.tar.zst`, compress(rootfs, "zstd"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("berth import, images, history, image inspect", () => {
  let id = "";
  it("imports a busybox rootfs (zstd) and lists it like docker images", () => {
    const imp = at("import", "-c", 'CMD ["/bin/sh"]', "--change", "ENV A=b", "-c", "EXPOSE 80", "-m", "first", `${dir}/rootfs.tar.zst`, "bb:1");
    expect(imp.stderr).toBe("");
    expect(imp.status).toBe(0);
    id = imp.stdout.trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const ls = at("images");
    expect(ls.status).toBe(0);
    const [header, row, extra] = ls.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^REPOSITORY\s{3,}TAG\s{3,}IMAGE ID\s{3,}CREATED\s{3,}SIZE$/);
    expect(row).toMatch(new RegExp(`^bb\\s{3,}1\\s{3,}${id.slice(7, 19)}\\s{3,}(Less than a second|\\d+ seconds) ago\\s{3,}1.99MB$`));
    expect(extra).toBeUndefined();
    expect(at("images", "-q").stdout).toBe(`${id.slice(7, 19)}\n`);
    expect(at("images", "--digests").stdout.split("\n")[0]).toMatch(/^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(JSON.parse(at("images", "--format", "json").stdout)).toMatchObject({ Repository: "bb", Tag: "1", ID: id.slice(7, 19), Size: "1.99MB", Digest: "<none>" });
    expect(at("images", "other").stdout.trimEnd().split("\n")).toHaveLength(1);
  });

  it("inspects the image as docker does", () => {
    const out = at("image", "inspect", "bb:1");
    expect(out.status).toBe(0);
    const [doc] = JSON.parse(out.stdout) as Record<string, unknown>[];
    expect(doc).toMatchObject({
      Id: id,
      RepoTags: ["bb:1"],
      RepoDigests: [],
      Os: "linux",
      Comment: "first",
      Config: { Cmd: ["/bin/sh"], Env: ["A=b"], ExposedPorts: { "80/tcp": {} }, Entrypoint: null, WorkingDir: "", User: "" },
      RootFS: { Type: "layers" },
      Size: rootfsSize,
    });
    expect((doc?.RootFS as { Layers: string[] }).Layers).toHaveLength(1);
    expect(at("image", "inspect", "--format", "json", id.slice(7, 15)).stdout.trim().split("\n")).toHaveLength(1);
  });

  it("shows the history", () => {
    const out = at("history", "bb:1");
    const lines = out.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(lines[1]).toMatch(new RegExp(`^${id.slice(7, 19)}\\s+.* ago\\s+1.99MB\\s+first$`));
    expect(JSON.parse(at("history", "--format", "json", "bb:1").stdout)).toMatchObject({ ID: id, Comment: "first", Size: "1.99MB" });
  });
});

describe("berth save and load", () => {
  it("saves an archive skopeo reads, and load in another root keeps the image ID", () => {
    const id = (JSON.parse(at("image", "inspect", "--format", "json", "bb:1").stdout) as { Id: string }).Id;
    const save = at("save", "-o", `${dir}/bb.tar`, "bb:1");
    expect(save.status).toBe(0);
    expect(save.stdout).toBe("");
    const skopeo = spawnSync("skopeo", ["inspect", "--raw", `docker-archive:${dir}/bb.tar`], { encoding: "utf8" });
    expect(skopeo.stderr).toBe("");
    const raw = JSON.parse(skopeo.stdout) as { config: { digest: string }; layers: { digest: string }[] };
    expect(raw.config.digest).toBe(id);
    const copy = spawnSync("skopeo", ["copy", "-q", `docker-archive:${dir}/bb.tar`, `dir:${dir}/skopeo-dir`], { encoding: "utf8" });
    expect(copy.stderr).toBe("");
    expect(copy.status).toBe(0);
    const layer = raw.layers[0]?.digest ?? "";
    expect(sha256(readFileSync(`${dir}/skopeo-dir/${layer.slice(7)}`))).toBe(layer);

    const other = `${dir}/other`;
    const load = berth(["--root", other, "load", "-i", `${dir}/bb.tar`]);
    expect(load.stdout).toBe("Loaded image: bb:1\n");
    expect(JSON.parse(berth(["--root", other, "image", "inspect", "bb:1"]).stdout)[0].Id).toBe(id);
    // stdout and stdin work too, and BERTH_ROOT names the store.
    const piped = berth(["--root", root, "save", "bb:1"]);
    expect(piped.raw.equals(readFileSync(`${dir}/bb.tar`))).toBe(true);
    const third = `${dir}/third`;
    expect(berth(["load"], piped.raw, { BERTH_ROOT: third }).stdout).toBe("Loaded image: bb:1\n");
    expect(berth(["images", "-q", "--no-trunc"], undefined, { BERTH_ROOT: third }).stdout).toBe(`${id}\n`);
  });

  it("loads an archive skopeo wrote (classic layout, symlinked layers)", () => {
    const out = spawnSync("skopeo", ["copy", "-q", `docker-archive:${dir}/bb.tar`, `docker-archive:${dir}/by-skopeo.tar:team/app:7`], { encoding: "utf8" });
    expect(out.status).toBe(0);
    const load = berth(["--root", `${dir}/fromskopeo`, "load", "-i", `${dir}/by-skopeo.tar`]);
    expect(load.stderr).toBe("");
    expect(load.stdout).toBe("Loaded image: team/app:7\n");
  });

  it("takes parallel loads and tags without losing an update of the index", async () => {
    const tars = await layeredTars();
    const files = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const image = makeImage(tars.slice(0, 1 + (i % 3)), { compression: ["none", "gzip", "zstd"], cmd: [`/bin/${i}`] });
        writeFileSync(`${dir}/p${i}.tar`, await classicArchive([{ image, repoTags: [`par:${i}`] }]));
        return image.configDigest;
      }),
    );
    const proot = `${dir}/parallel`;
    expect(await Promise.all(files.map((_, i) => berthAsync(["--root", proot, "load", "-q", "-i", `${dir}/p${i}.tar`])))).toEqual([0, 0, 0, 0]);
    expect(await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => berthAsync(["--root", proot, "tag", "par:0", `many:${i}`])))).toEqual(Array(8).fill(0));
    const listed = berth(["--root", proot, "images", "--format", "json"]).stdout.trim().split("\n").map((l) => JSON.parse(l) as { Repository: string; Tag: string });
    expect(listed.map((r) => `${r.Repository}:${r.Tag}`).sort()).toEqual([...[0, 1, 2, 3].map((i) => `par:${i}`), ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `many:${i}`)].sort());
    expect(berth(["--root", proot, "images", "-q", "--no-trunc"]).stdout.trim().split("\n").sort()).toEqual([...files].sort());
  });
});

describe("berth tag, rmi, image prune, and errors", () => {
  it("tags, untags and removes like docker", () => {
    expect(at("tag", "bb:1", "localhost:5000/team/bb:2").status).toBe(0);
    expect(at("images", "localhost:5000/team/bb").stdout).toMatch(/localhost:5000\/team\/bb\s+2\s+/);
    expect(at("rmi", "localhost:5000/team/bb:2").stdout).toBe("Untagged: localhost:5000/team/bb:2\n");
    const rmi = at("rmi", "nope", "bb:1");
    expect(rmi.status).toBe(1);
    expect(rmi.stderr).toBe(`berth rmi: no such image "nope:latest": see 'berth images'\n`);
    expect(rmi.stdout).toMatch(/^Untagged: bb:1\nDeleted: sha256:[0-9a-f]{64}\n$/);
    expect(at("images", "-q").stdout).toBe("");
  });

  it("prunes dangling images and unused blobs", () => {
    expect(at("import", `${dir}/rootfs.tar.zst`).status).toBe(0); // no name: dangling
    expect(at("images").stdout).toMatch(/<none>\s+<none>\s+[0-9a-f]{12}/);
    const out = at("image", "prune", "-f");
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^Deleted Images:\ndeleted: sha256:[0-9a-f]{64}\n\nTotal reclaimed space: 1.99MB\n$/);
    expect(readFileSync(`${root}/images/index.json`, "utf8")).toContain('"images": []');
  });

  it("reports mistakes on one line with exit code 125 for usage and 1 for failures", () => {
    const cases: [string[], number, RegExp][] = [
      [["rmi"], 125, /^berth rmi: missing argument <images\.\.>\nSee 'berth rmi --help'\.\n$/],
      [["ps", "--all=yes"], 125, /^berth ps: option --all takes no value\n/],
      [["stop", "-t", "soon", "x"], 125, /^berth stop: --time "soon": a number is needed\n/],
      [["images", "--format", "yaml"], 125, /^berth images: --format "yaml": use "table" or "json"/],
      [["frobnicate"], 125, /^berth: unknown command "frobnicate": run 'berth help' for the list\n$/],
      [["tag", "ghost", "x"], 1, /^berth tag: no such image "ghost:latest": see 'berth images'\n$/],
      [["tag", "nothing", "Bad:Name"], 1, /^berth tag: invalid reference "Bad:Name": repository name must be lowercase/],
      [["load", "-i", `${dir}/missing.tar`], 1, /^berth load: .*missing.tar: no such file or directory\n$/],
      [["import", `${dir}/rootfs.tar.zst`, "-c", "RUN x"], 1, /^berth import: --change "RUN x": unknown instruction "RUN"/],
    ];
    for (const [args, code, message] of cases) {
      const out = at(...args);
      expect(out.status, args.join(" ")).toBe(code);
      expect(out.stderr, args.join(" ")).toMatch(message);
    }
  });
});

describe("the commands berth had before", () => {
  it("plugins, version, help and cni work as they did", () => {
    expect(berth(["plugins"]).stdout).toMatch(/^bridge\s+\S.*\n(.*\n)*loopback\s+/m);
    expect(berth(["version"]).stdout).toMatch(/^berth .+\nCNI spec versions: 0\.3\.0, 0\.3\.1, 0\.4\.0, 1\.0\.0, 1\.1\.0\n$/);
    const help = berth(["help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/berth images.*\n(.*\n)*\s+berth firewall/);
    const cni = berth(["cni", "loopback"], "", { CNI_COMMAND: "VERSION" });
    expect(cni.status).toBe(0);
    expect(JSON.parse(cni.stdout).supportedVersions).toContain("1.1.0");
    expect(berth(["cni", "nosuch"]).stderr).toMatch(/^berth cni: unknown plugin "nosuch": choose one of bridge, /);
    expect(berth(["firewall", "reapply", "--state-dir", `${dir}/state`]).stdout).toBe(`no recorded rules in ${dir}/state\n`);
  });
});
