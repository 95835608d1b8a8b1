// A buildfarm.v1 client made from the protos at run time: nothing generated, nothing from the
// farm's own code.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const here = dirname(fileURLToPath(import.meta.url));

// As content.proto says: at most 65,536 bytes per chunk and per batched blob, 1,000 blobs and
// 2,097,152 bytes per UploadBatch call.
export const CHUNK = 65536;
const BATCH_BLOBS = 1000;
const BATCH_BYTES = 2097152;

export function connect(address, protoRoot) {
  const definition = protoLoader.loadSync(
    ['buildfarm/v1/content.proto', 'buildfarm/v1/builds.proto', 'grpc/health/v1/health.proto'],
    { includeDirs: [protoRoot, join(here, 'protos')], keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true },
  );
  const api = grpc.loadPackageDefinition(definition);
  const credentials = grpc.credentials.createInsecure();
  return {
    content: new api.buildfarm.v1.Content(address, credentials),
    builds: new api.buildfarm.v1.Builds(address, credentials),
    health: new api.grpc.health.v1.Health(address, credentials),
    close() {
      for (const client of [this.content, this.builds, this.health]) {
        client.close();
      }
    },
  };
}

export function unary(client, method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + 60_000 }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

// A streaming call's messages, or its error after the messages that came before it.
export function collect(call) {
  return new Promise((resolve) => {
    const messages = [];
    call.on('data', (message) => messages.push(message));
    call.on('error', (error) => resolve({ messages, error }));
    call.on('end', () => resolve({ messages, error: null }));
  });
}

// The outcome of a call as the report shows it: the status code's name and its message.
export function status(error) {
  return error ? { code: grpc.status[error.code], details: error.details } : { code: 'OK', details: '' };
}

// Uploads what the farm lacks of blobs (Map digest -> Buffer): small blobs in batches, larger
// ones as a stream of chunks. Returns how many blobs went each way.
export async function upload(content, blobs) {
  const refs = [...blobs].map(([digest, bytes]) => ({ digest, size: bytes.length }));
  const { missing } = await unary(content, 'FindMissing', { blobs: refs });
  const small = missing.filter((ref) => ref.size <= CHUNK);
  const large = missing.filter((ref) => ref.size > CHUNK);

  let batch = [];
  let batchBytes = 0;
  const sendBatch = async () => {
    if (batch.length === 0) return;
    const { results } = await unary(content, 'UploadBatch', { blobs: batch });
    const refused = results.filter((r) => r.error !== '');
    if (refused.length > 0) throw new Error(`UploadBatch refused: ${refused.map((r) => r.error).join('; ')}`);
    batch = [];
    batchBytes = 0;
  };
  for (const ref of small) {
    if (batch.length === BATCH_BLOBS || batchBytes + ref.size > BATCH_BYTES) await sendBatch();
    batch.push({ blob: ref, data: blobs.get(ref.digest) });
    batchBytes += ref.size;
  }
  await sendBatch();

  if (large.length > 0) {
    await new Promise((resolve, reject) => {
      const call = content.Upload((error, response) => (error ? reject(error) : resolve(response)));
      for (const ref of large) {
        const bytes = blobs.get(ref.digest);
        for (let offset = 0; offset < bytes.length; offset += CHUNK) {
          call.write({ blob: offset === 0 ? ref : null, offset, data: bytes.subarray(offset, offset + CHUNK) });
        }
      }
      call.end();
    });
  }

  return { missing: missing.length, batched: small.length, streamed: large.length };
}
