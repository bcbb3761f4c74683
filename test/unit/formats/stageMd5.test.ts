import { describe, expect, it } from "vitest";
import { stageMd5, stageMd5Json } from "../../../src/formats/stageMd5.js";

describe("stageMd5 (spec 12.3)", () => {
  it("S1: import-url with annotations", () => {
    const stage = {
      md5: "whatever",
      frozen: true,
      deps: [{ md5: "acbd18db4cc2f85cedef654fccc4a4d8", size: 3, hash: "md5", path: "foo" }],
      outs: [
        {
          md5: "acbd18db4cc2f85cedef654fccc4a4d8",
          size: 3,
          hash: "md5",
          path: "bar",
          desc: "d",
          type: "t",
          labels: ["l"],
          meta: { m: 1 },
        },
      ],
      desc: "top",
      meta: { x: 1 },
    };
    expect(stageMd5Json(stage)).toBe(
      '{"deps": [{"hash": "md5", "md5": "acbd18db4cc2f85cedef654fccc4a4d8", "path": "foo"}], "outs": [{"hash": "md5", "md5": "acbd18db4cc2f85cedef654fccc4a4d8", "path": "bar"}]}',
    );
    expect(stageMd5(stage)).toBe("8fc199641730e3f512deac0bd9a0e0b6");
  });
  it("S2: import-url of a directory (spec 4.4)", () => {
    const stage = {
      frozen: true,
      deps: [{ md5: "b6dcab6ccd17ca0a8bf4a215a37d14cc.dir", size: 11, nfiles: 2, hash: "md5", path: "remote://workspace/dir" }],
      outs: [{ md5: "b6dcab6ccd17ca0a8bf4a215a37d14cc.dir", size: 11, nfiles: 2, hash: "md5", path: "dir" }],
      wdir: ".",
    };
    expect(stageMd5(stage)).toBe("7033ee831f78a4dfec2fc71405516067");
  });
});
