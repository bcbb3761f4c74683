import { describe, expect, it } from "vitest";
import { DvxError, isDvxError } from "../../../src/errors.js";
import { isRetryableError, withRetry } from "../../../src/storage/retry.js";

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}
function sysError(code: string): Error {
  return Object.assign(new Error(code), { code });
}

describe("retry policy", () => {
  it("classifies throttling, 5xx and connection resets as retryable; auth/4xx, refusals and DvxErrors not", () => {
    for (const e of [
      sdkError("SlowDown", 503),
      sdkError("ServiceUnavailable", 503),
      sdkError("InternalError", 500),
      sdkError("Whatever", 502),
      sdkError("TooManyRequests", 429),
      sdkError("RequestTimeout", 400),
      Object.assign(new Error("x"), { code: 503 }), // GCS ApiError
      sysError("ECONNRESET"),
      sysError("ETIMEDOUT"),
      sysError("EPIPE"),
      Object.assign(new Error("wrapped"), { cause: sysError("ECONNRESET") }),
      Object.assign(new Error("socket hang up"), {}),
      Object.assign(new Error("t"), { name: "TimeoutError" }),
    ]) {
      expect(isRetryableError(e), String(e)).toBe(true);
    }
    for (const e of [
      sdkError("AccessDenied", 403),
      sdkError("InvalidAccessKeyId", 403),
      sdkError("SignatureDoesNotMatch", 403),
      sdkError("NoSuchBucket", 404),
      sdkError("BadDigest", 400),
      Object.assign(new Error("x"), { code: 401 }),
      sysError("ECONNREFUSED"),
      sysError("ENOTFOUND"),
      new DvxError("REMOTE_ERROR", "mapped"),
      Object.assign(new Error("abort"), { name: "AbortError" }),
    ]) {
      expect(isRetryableError(e), String(e)).toBe(false);
    }
  });

  it("retries a retryable failure up to the attempt bound, with backoff", async () => {
    let calls = 0;
    const delays: number[] = [];
    const v = await withRetry(
      async () => {
        if (++calls < 4) throw sdkError("SlowDown", 503);
        return "ok";
      },
      { policy: { attempts: 5, baseDelayMs: 1, maxDelayMs: 8 }, onRetry: (_e, _a, d) => delays.push(d) },
    );
    expect(v).toBe("ok");
    expect(calls).toBe(4);
    expect(delays).toHaveLength(3);
    delays.forEach((d, i) => expect(d).toBeLessThanOrEqual(Math.min(8, 2 ** i)));

    calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw sysError("ECONNRESET");
      }, { policy: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }),
    ).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(calls).toBe(3);
  });

  it("never retries auth errors", async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw sdkError("InvalidAccessKeyId", 403);
      }),
    ).rejects.toMatchObject({ name: "InvalidAccessKeyId" });
    expect(calls).toBe(1);
  });

  it("stops on abort, also during a backoff sleep", async () => {
    const ac = new AbortController();
    let calls = 0;
    const p = withRetry(
      async () => {
        calls++;
        throw sdkError("SlowDown", 503);
      },
      {
        policy: { attempts: 10, baseDelayMs: 10_000, maxDelayMs: 10_000 },
        signal: ac.signal,
        // Runs after the backoff sleep has started listening: an abort in the middle of the sleep.
        onRetry: () => queueMicrotask(() => ac.abort()),
      },
    );
    await expect(p).rejects.toSatisfy((e) => isDvxError(e, "ABORTED"));
    expect(calls).toBe(1);
  });
});
