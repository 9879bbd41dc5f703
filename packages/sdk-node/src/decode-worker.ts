/**
 * A decode worker: file/bytes → header check → decode (core's fast PNG decoder, or jimp) → the core's
 * preprocessing → the model's input values (e.g. 28×28 floats), sent back as a transferred Float32Array. Doing all
 * of it here keeps the main thread free for inference.
 */
import { parentPort } from 'node:worker_threads';
import { SiameseError, type SiameseErrorDetails, preprocessImage } from '@siamese-sdk/core';
import { decodeImageBytes, readImageFileSync } from './decode-bytes.js';
import type { DecodeJob, DecodeReply } from './decode-protocol.js';

async function handle(job: DecodeJob): Promise<DecodeReply> {
  try {
    const bytes = job.bytes ?? readImageFileSync(job.path!);
    const image = await decodeImageBytes(bytes, job.maxPixels, job.png);
    return { id: job.id, ok: true, tensor: preprocessImage(image, job.target) };
  } catch (error) {
    const e = error instanceof SiameseError ? error : new SiameseError('IMAGE_DECODE', `could not be decoded (${(error as Error)?.message ?? String(error)})`);
    // Details must survive structured cloning: keep only plain values.
    const details = JSON.parse(JSON.stringify(e.details)) as SiameseErrorDetails;
    return { id: job.id, ok: false, code: e.code, message: e.message, details };
  }
}

parentPort?.on('message', (job: DecodeJob) => {
  void handle(job).then((reply) => {
    if (reply.ok) parentPort!.postMessage(reply, [reply.tensor.buffer as ArrayBuffer]);
    else parentPort!.postMessage(reply);
  });
});
