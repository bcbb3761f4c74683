import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatEta, formatRate, shortenPath } from "../../../cli/progress/format.js";

describe("formats", () => {
  it("bytes in SI units like DVC", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1000)).toBe("1.0 kB");
    expect(formatBytes(612_000_000)).toBe("612 MB");
    expect(formatBytes(4_100_000_000)).toBe("4.1 GB");
  });
  it("durations and ETAs", () => {
    expect(formatDuration(4100)).toBe("4.1 s");
    expect(formatDuration(250)).toBe("0.25 s");
    expect(formatDuration(185_000)).toBe("3m05s");
    expect(formatDuration(3_720_000)).toBe("1h02m");
    expect(formatEta(12_300)).toBe("13s");
    expect(formatEta(185_000)).toBe("3m05s");
  });
  it("throughput in files/s for small objects, bytes/s for large ones", () => {
    expect(formatRate({ bytesPerSec: 30_000, filesPerSec: 1000, done: { files: 1000, bytes: 30_000 } })).toBe("1,000 files/s");
    expect(formatRate({ bytesPerSec: 50_000_000, filesPerSec: 5, done: { files: 5, bytes: 50_000_000 } })).toBe("50.0 MB/s");
    expect(formatRate({ bytesPerSec: 0, filesPerSec: 2.5, done: { files: 5, bytes: 0 } })).toBe("2.5 files/s");
  });
  it("shortens long paths in the middle, keeping the file name", () => {
    const p = "data/very/deeply/nested/directory/structure/image_000123.png";
    const s = shortenPath(p, 30);
    expect(s.length).toBe(30);
    expect(s.endsWith("image_000123.png")).toBe(true);
    expect(s).toContain("…");
    expect(shortenPath("short.txt", 30)).toBe("short.txt");
  });
});
