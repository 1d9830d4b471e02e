/**
 * Test helper run as a separate process (by bun): one host-local ADD or DEL with the network
 * configuration given as JSON in argv, the result printed as JSON on stdout.
 * Usage: bun add_child.ts ADD|DEL '<config json>' <containerId> [ifname]
 */
import { hostLocalAdd, hostLocalDel } from "../host_local.ts";

const [command, configJson, containerId, ifname = "eth0"] = process.argv.slice(2);
if (configJson === undefined || containerId === undefined) {
  process.stderr.write("usage: add_child.ts ADD|DEL <config> <containerId> [ifname]\n");
  process.exit(2);
}
const request = { config: JSON.parse(configJson) as unknown, containerId, ifname };
try {
  if (command === "DEL") await hostLocalDel(request);
  else process.stdout.write(JSON.stringify(await hostLocalAdd(request)));
} catch (err) {
  process.stdout.write(JSON.stringify({ error: (err as Error).message, code: (err as { code?: number }).code }));
  process.exit(1);
}
