import { describe, expect, it } from "vitest";
import { parseResolvConf } from "./dns.ts";

describe("parseResolvConf", () => {
  it("reads nameserver, domain, search and options like the reference", () => {
    const text = [
      "# generated",
      "; also a comment",
      "",
      "nameserver 10.0.0.53",
      "  nameserver   2001:db8::53  # trailing words are ignored",
      "domain first.example",
      "domain second.example",
      "search a.example b.example",
      "search c.example",
      "options ndots:5 edns0",
      "options timeout:1",
      "nameserver",
      "sortlist 10.0.0.0/8",
    ].join("\n");
    expect(parseResolvConf(text)).toEqual({
      nameservers: ["10.0.0.53", "2001:db8::53"],
      domain: "second.example",
      search: ["a.example", "b.example", "c.example"],
      options: ["ndots:5", "edns0", "timeout:1"],
    });
  });

  it("returns an empty object for an empty file and tolerates CRLF", () => {
    expect(parseResolvConf("")).toEqual({});
    expect(parseResolvConf("nameserver 1.1.1.1\r\nsearch x\r\n")).toEqual({ nameservers: ["1.1.1.1"], search: ["x"] });
  });
});
