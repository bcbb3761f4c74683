#!/usr/bin/env node
/**
 * Physical baseline for S3 transfers: every file PUT (or GET) with the AWS SDK v3 at a fixed
 * concurrency, nothing else (no existence checks, no manifests, no hashing, no listing: the
 * key list comes from the local reference directory). Client settings mirror dvx's S3 backend:
 * path-style, one keep-alive agent with maxSockets = jobs, checksums WHEN_REQUIRED, files of
 * 64 MiB and more as multipart uploads of 16 MiB parts, 4 parts in flight.
 *
 *   node s3raw.mjs mb BUCKET...
 *   node s3raw.mjs put BUCKET PREFIX SRC_DIR JOBS
 *   node s3raw.mjs get BUCKET PREFIX REF_DIR DEST_DIR JOBS [ONLY_REL]
 *
 * Endpoint and credentials: S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY.
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { Agent } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import {
  S3Client,
  CreateBucketCommand,
  PutObjectCommand,
  GetObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
} from "@aws-sdk/client-s3";

const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
const PART = 16 * 1024 * 1024;
const PART_JOBS = 4;

function client(jobs) {
  const agent = new Agent({ keepAlive: true, maxSockets: jobs, maxFreeSockets: jobs });
  return new S3Client({
    endpoint: process.env.S3_ENDPOINT,
    region: "us-east-1",
    forcePathStyle: true,
    maxAttempts: 3,
    credentials: { accessKeyId: process.env.S3_ACCESS_KEY, secretAccessKey: process.env.S3_SECRET_KEY },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: { httpAgent: agent },
  });
}

function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath ?? e.path, e.name).slice(dir.length + 1));
  }
  return out.sort();
}

async function pool(items, jobs, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
}

async function putFile(s3, bucket, key, path) {
  const size = statSync(path).size;
  if (size < MULTIPART_THRESHOLD) {
    const body = await readFile(path);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: size }));
    return;
  }
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts = [];
  for (let off = 0, n = 1; off < size; off += PART, n++) parts.push({ n, off, len: Math.min(PART, size - off) });
  const done = [];
  await pool(parts, PART_JOBS, async (p) => {
    const r = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: p.n,
        ContentLength: p.len,
        Body: createReadStream(path, { start: p.off, end: p.off + p.len - 1 }),
      }),
    );
    done.push({ PartNumber: p.n, ETag: r.ETag });
  });
  done.sort((a, b) => a.PartNumber - b.PartNumber);
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: done } }));
}

async function main() {
  const [cmd, ...a] = process.argv.slice(2);
  if (cmd === "mb") {
    const s3 = client(4);
    for (const b of a) await s3.send(new CreateBucketCommand({ Bucket: b }));
    s3.destroy();
    return;
  }
  if (cmd === "put") {
    const [bucket, prefix, src, jobsS] = a;
    const jobs = Number(jobsS);
    const s3 = client(jobs);
    const files = walk(src);
    await pool(files, jobs, (rel) => putFile(s3, bucket, `${prefix}/${rel}`, join(src, rel)));
    s3.destroy();
    process.stdout.write(`put ${files.length} objects\n`);
    return;
  }
  if (cmd === "get") {
    const [bucket, prefix, ref, dest, jobsS, only] = a;
    const jobs = Number(jobsS);
    const s3 = client(jobs);
    const files = only ? [only] : walk(ref);
    const dirs = new Set(files.map((f) => join(dest, f, "..")));
    for (const d of dirs) mkdirSync(d, { recursive: true });
    await pool(files, jobs, async (rel) => {
      const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/${rel}` }));
      await pipeline(r.Body, createWriteStream(join(dest, rel)));
    });
    s3.destroy();
    process.stdout.write(`got ${files.length} objects\n`);
    return;
  }
  throw new Error(`usage: s3raw.mjs mb|put|get ... (got '${cmd}')`);
}

main().catch((e) => {
  process.stderr.write(`s3raw: ${e?.stack ?? e}\n`);
  process.exit(1);
});
