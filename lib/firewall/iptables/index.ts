/** berth's iptables backend (legacy or nft flavour, detected): loaded only when chosen. */
export { iptablesBackend, makeIptablesBackend, hostEnvironment, type IptablesEnvironment } from "./backend.ts";
export { detectIptables, iptablesInstalled, systemProbe, type DetectProbe, type IptablesDetection } from "./detect.ts";
export { elementRules, elementComment, skeleton, policyChains, masqueradeRules, networkChains, networkId, renderRule, type Rule, type Family, type Table } from "./rules.ts";
export { Batch, parseSave, type Ruleset } from "./ruleset.ts";
export { IptablesElementWriter, IptablesSession, commandRunner, type IptablesRunner } from "./session.ts";
