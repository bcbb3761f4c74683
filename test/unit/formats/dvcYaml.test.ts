import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseDvcYaml } from "../../../src/formats/dvcYaml.js";
import { DvxError } from "../../../src/errors.js";
import { FUZZ_RUNS, onlyDvxErrors } from "./fuzz.js";

describe("parseDvcYaml", () => {
  it("reads the spec 5.1 example", () => {
    const y = parseDvcYaml("stages:\n  mystage:\n    cmd: mycmd\n    deps:\n    - remote://workspace/foo\n    outs:\n    - remote://workspace/bar:\n        cache: false\n", "dvc.yaml");
    expect(y.stages.get("mystage")).toEqual({ wdir: ".", deps: ["remote://workspace/foo"], outs: [{ path: "remote://workspace/bar", cache: false, push: true, persist: false, kind: "outs" }] });
  });
  it("collects outs, metrics and plots with flags", () => {
    const y = parseDvcYaml(
      "stages:\n  train:\n    cmd: python train.py\n    wdir: src\n    deps: [../data, train.py]\n    outs:\n    - ../model.pkl:\n        persist: true\n        remote: r2\n        push: false\n    - ./logs\n    metrics:\n    - metrics.json:\n        cache: false\n    plots:\n    - plots.csv:\n        x: step\n    - roc.json: [{x: a}]\n",
      "dvc.yaml",
    );
    expect(y.stages.get("train")).toEqual({
      wdir: "src",
      deps: ["../data", "train.py"],
      outs: [
        { path: "../model.pkl", cache: true, push: false, remote: "r2", persist: true, kind: "outs" },
        { path: "logs", cache: true, push: true, persist: false, kind: "outs" },
        { path: "metrics.json", cache: false, push: true, persist: false, kind: "metrics" },
        { path: "plots.csv", cache: true, push: true, persist: false, kind: "plots" },
        { path: "roc.json", cache: true, push: true, persist: false, kind: "plots" },
      ],
    });
  });
  it("expands foreach over a list, a list of mappings and a mapping", () => {
    const y = parseDvcYaml(
      "stages:\n  a:\n    foreach: [x, 'y', 3, true]\n    do:\n      cmd: echo ${item}\n      outs: ['out/${item}.txt']\n  b:\n    foreach:\n    - {n: one, d: d1}\n    - {n: two, d: d2}\n    do:\n      cmd: c\n      wdir: ${item.d}\n      outs: ['${item.n}']\n  c:\n    foreach:\n      us: {size: 1}\n      eu: {size: 2}\n    do:\n      cmd: c\n      outs: ['${key}-${item.size}.bin']\n",
      "dvc.yaml",
    );
    expect([...y.stages.keys()]).toEqual(["a@x", "a@y", "a@3", "a@true", "b@0", "b@1", "c@us", "c@eu"]);
    expect(y.stages.get("a@3")!.outs[0]!.path).toBe("out/3.txt");
    expect(y.stages.get("a@true")!.outs[0]!.path).toBe("out/true.txt");
    expect(y.stages.get("b@1")).toMatchObject({ wdir: "d2", outs: [{ path: "two" }] });
    expect(y.stages.get("c@eu")!.outs[0]!.path).toBe("eu-2.bin");
  });
  it("expands matrix", () => {
    const y = parseDvcYaml(
      "vars:\n  - models: [cnn, rnn]\nstages:\n  train:\n    matrix:\n      model: ${models}\n      lr: [0.1, 1]\n      cfg: [{a: 1}]\n    cmd: t\n    outs: ['${item.model}/${item.lr}/${key}.pkl']\n",
      "dvc.yaml",
    );
    expect([...y.stages.keys()]).toEqual(["train@cnn-0.1-cfg0", "train@cnn-1-cfg0", "train@rnn-0.1-cfg0", "train@rnn-1-cfg0"]);
    expect(y.stages.get("train@rnn-1-cfg0")!.outs[0]!.path).toBe("rnn/1/rnn-1-cfg0.pkl");
  });
  it("resolves vars, vars files and params.yaml through readVars", () => {
    const files: Record<string, unknown> = { "params.yaml": { out: { dir: "results" }, n: 2 }, "conf/extra.yaml": { x: { y: "deep", z: "no" } } };
    const y = parseDvcYaml(
      "vars:\n  - name: model\n  - conf/extra.yaml:x.y\nstages:\n  s:\n    cmd: c\n    outs: ['${out.dir}/${name}-${n}.pkl', '${x.y}', 'lit \\${x}']\n  t:\n    wdir: conf\n    vars: [extra.yaml]\n    cmd: c\n    outs: ['${x.z}']\n",
      "dvc.yaml",
      { readVars: (p) => files[p] },
    );
    expect(y.stages.get("s")!.outs.map((o) => o.path)).toEqual(["results/model-2.pkl", "deep", "lit ${x}"]);
    expect(y.stages.get("t")!.outs[0]!.path).toBe("no");
  });
  it.each([
    ["stages:\n  s:\n    cmd: c\n    outs: ['${nope}']\n", "could not find 'nope'"],
    ["stages:\n  s:\n    cmd: c\n    outs: ['${a}x']\nvars: [{a: [1]}]\n", "cannot interpolate"],
    ["stages:\n  s:\n    foreach: 3\n    do: {cmd: c}\n", "must resolve to a list or a mapping"],
    ["stages:\n  s:\n    foreach: [a]\n", "'foreach' without 'do'"],
    ["stages:\n  s:\n    cmd: c\n    outs: [{a: 1, b: 2}]\n", "single-key mapping"],
    ["stages:\n  s:\n    cmd: c\n    outs: [{a: {cache: maybe}}]\n", "'cache' must be true or false"],
    ["stages:\n  s:\n    cmd: c\n    bogus: 1\n", "unexpected key 'bogus'"],
    ["stagez: {}\n", "unexpected key 'stagez'"],
    ["vars: [p.yaml]\nstages: {}\n", "no reader given"],
  ])("rejects %j", (text, problem) => {
    try {
      parseDvcYaml(text, "sub/dvc.yaml");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DvxError);
      expect((e as DvxError).message).toContain("sub/dvc.yaml");
      expect((e as DvxError).message).toContain(problem);
    }
  });
  it("rejects output paths that escape in the middle", () => {
    expect(() => parseDvcYaml("stages:\n  s:\n    cmd: c\n    outs: [a/../../b]\n", "dvc.yaml")).toThrow(expect.objectContaining({ code: "UNSAFE_PATH" }));
  });
  it("never throws anything but DvxError", () => {
    const piece = fc.constantFrom("stages:\n", "  s:\n", "    cmd: c\n", "    outs:\n", "    - ", "a\n", "${item}", "${key}", "${x.y}", "    foreach: [a, b]\n", "    do:\n", "      ", "matrix:\n", "vars:\n", "- ", "[", "{", ":", "\n", "    wdir: ", "..", "/");
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.array(piece, { maxLength: 30 }).map((a) => a.join(""))), (text) => {
        onlyDvxErrors(() => parseDvcYaml(text, "dvc.yaml"));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
