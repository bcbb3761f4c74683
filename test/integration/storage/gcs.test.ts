import { describe, expect, it } from "vitest";
import { isDvxError } from "../../../src/errors.js";
import { openStorage } from "../../../src/storage/openStorage.js";
import { gcsPeer, makeBucket, skipReason } from "../../helpers/peers.js";
import { storageContract } from "./contract.js";

const why = skipReason("gcs");

describe.skipIf(why !== undefined)("GCS backend on fake-gcs-server", () => {
  const peer = gcsPeer()!;
  let n = 0;
  storageContract("gcs (fake-gcs-server)", {
    open: async (tuning) => {
      const bucket = await makeBucket("gcs");
      return openStorage({ name: "gcsremote", url: `gs://${bucket}/dvcstore${n++}`, options: { endpointurl: peer.endpoint } }, tuning);
    },
    verifiesMd5: false, // fake-gcs-server does not check md5Hash on upload (real GCS does)
  });

  it("a missing bucket is a REMOTE_ERROR naming the remote and the bucket", async () => {
    const st = await openStorage({ name: "nobucket", url: "gs://no-such-bucket-dvx/x", options: { endpointurl: peer.endpoint } });
    try {
      for (const op of [() => st.exists("files/md5/ab/cd"), () => st.write("files/md5/ab/cd", Buffer.from("x")), async () => {
        for await (const _ of st.list("files/")) void _;
      }]) {
        await expect(op()).rejects.toSatisfy(
          (e) =>
            isDvxError(e, "REMOTE_ERROR") &&
            /remote 'nobucket' \(gs:\/\/no-such-bucket-dvx\/x\).*bucket 'no-such-bucket-dvx' does not exist/.test((e as Error).message),
        );
      }
      await expect(st.read("files/md5/ab/cd")).rejects.toSatisfy((e) => isDvxError(e, "REMOTE_ERROR"));
    } finally {
      await st.close();
    }
  });

  it("an unreadable credentialpath is a clear REMOTE_ERROR", async () => {
    const bucket = await makeBucket("gcs");
    const st = await openStorage({
      name: "badcreds",
      url: `gs://${bucket}`,
      options: { endpointurl: peer.endpoint, credentialpath: "/nonexistent/dvx-key.json" },
    });
    try {
      await expect(st.exists("files/md5/ab/cd")).rejects.toSatisfy(
        (e) => isDvxError(e, "REMOTE_ERROR") && /remote 'badcreds'.*credentialpath/.test((e as Error).message),
      );
    } finally {
      await st.close();
    }
  });
});
