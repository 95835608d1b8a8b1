// Drives a farm through buildfarm.v1 as any client would, from the protos alone, and prints what
// it saw as one JSON document for BuildFarm.Cli.Tests to check:
//   node conformance.mjs HOST:PORT PROTO_ROOT CONTEXT_DIR
// It builds CONTEXT_DIR (its Dockerfile), then makes the requests the API must refuse.
import { collect, connect, status, unary, upload } from './farm.mjs';
import { encodeNode, Kinds, sha256, snapshot } from './tree.mjs';

const [address, protoRoot, contextDirectory] = process.argv.slice(2);
const farm = connect(address, protoRoot);

// One line per event: its sequence number, kind and the fields a client relies on.
function describe(event) {
  const body = event[event.kind];
  const line = { sequence: event.sequence, kind: event.kind, build_id: event.build_id };
  if (body.step) line.step = body.step.id;
  for (const field of ['inputs', 'silo', 'cache_key', 'error', 'text']) {
    if (body[field] !== undefined) line[field] = body[field];
  }
  if (body.result) line.manifest_digest = body.result.manifest_digest;
  return line;
}

async function submit(request) {
  const { messages, error } = await collect(farm.builds.Submit(request));
  return { status: status(error), events: messages.map(describe) };
}

// A Submit that must fail at once: its status, and the context root it named.
async function submitError(request) {
  const { status: outcome, events } = await submit(request);
  return { ...outcome, context_root: request.context_root ?? '', events: events.length };
}

async function health() {
  const services = ['', 'buildfarm.v1.Content', 'buildfarm.v1.Builds', 'buildfarm.v1.Images', 'buildfarm.v1.Storage'];
  const result = {};
  for (const service of services) {
    result[service] = (await unary(farm.health, 'Check', { service })).status;
  }
  return result;
}

async function build() {
  const blobs = new Map();
  const root = await snapshot(contextDirectory, blobs);
  const uploaded = await upload(farm.content, blobs);
  const again = await upload(farm.content, blobs);
  const request = { dockerfile_path: 'Dockerfile', context_root: root, tags: ['conformance:node'], build_args: { CONFORMANCE: 'node' } };
  const submitted = await submit(request);
  const id = submitted.events[0].build_id;
  const watched = await collect(farm.builds.Watch({ build_id: id, from_sequence: 0 }));
  const got = await unary(farm.builds, 'Get', { build_id: id });
  const listed = (await unary(farm.builds, 'List', {})).builds.find((b) => b.build_id === id);
  return {
    root,
    blobs: blobs.size,
    uploaded,
    missing_after_upload: again.missing,
    status: submitted.status,
    events: submitted.events,
    watch_replays_the_same_events: JSON.stringify(watched.messages.map(describe)) === JSON.stringify(submitted.events),
    get: {
      state: got.state,
      request: got.request,
      started: got.started !== null,
      started_not_before_submitted: got.started !== null && Number(got.started.seconds) >= Number(got.submitted.seconds),
      steps_total: got.steps_total,
      steps_completed: got.steps_completed,
    },
    list_reports_the_same_request: JSON.stringify(listed.request) === JSON.stringify(got.request),
  };
}

// Requests the API refuses, each with the status and message a client gets.
async function errors(root) {
  const onlyNode = (entries) => uploadNode(encodeNode(entries));
  const file = (name, digest, size) => ({ name, kind: Kinds.FILE, mode: 0o644, uid: 0, gid: 0, size, digest, linkTarget: null });

  // Entries written out of order by hand (encodeNode would sort them): [1, [b, a]].
  const outOfOrder = Buffer.concat([
    Buffer.from([0x92, 0x01, 0x92]),
    encodeNode([file('b', sha256(''), 0)]).subarray(3),
    encodeNode([file('a', sha256(''), 0)]).subarray(3),
  ]);
  await upload(farm.content, new Map([[sha256(''), Buffer.alloc(0)], [sha256(outOfOrder), outOfOrder]]));
  const neverUploaded = sha256('never uploaded');
  const missingFile = await onlyNode([file('Dockerfile', neverUploaded, 14)]);
  const wrongSize = await onlyNode([file('empty', sha256(''), 5)]);

  return {
    get_unknown: status(await unary(farm.builds, 'Get', { build_id: 'nope' }).then(() => null, (e) => e)),
    watch_unknown: status((await collect(farm.builds.Watch({ build_id: 'nope' }))).error),
    inline_parse_error: await submitError({ dockerfile_inline: Buffer.from('FROM busybox\nFROB x\n'), context_root: root }),
    path_parse_error: await submitError({ dockerfile_path: 'docker/bad.Dockerfile', context_root: root }),
    dockerfile_not_in_tree: await submitError({ dockerfile_path: 'no/such/Dockerfile', context_root: root }),
    path_without_context_root: await submitError({ dockerfile_path: 'Dockerfile' }),
    unknown_target: await submitError({ dockerfile_path: 'Dockerfile', context_root: root, target: 'nope' }),
    node_out_of_order: await submitError({ dockerfile_inline: Buffer.from('FROM busybox\n'), context_root: sha256(outOfOrder) }),
    node_not_messagepack: await submitError({ dockerfile_inline: Buffer.from('FROM busybox\n'), context_root: await uploadNode(Buffer.from('not a node')) }),
    file_not_uploaded: await submitError({ dockerfile_path: 'Dockerfile', context_root: missingFile }),
    size_not_the_blobs: await submitError({ dockerfile_inline: Buffer.from('FROM busybox\n'), context_root: wrongSize }),
  };
}

async function uploadNode(bytes) {
  await upload(farm.content, new Map([[sha256(bytes), bytes]]));
  return sha256(bytes);
}

// An inline Dockerfile needs no context: context_root may be left empty.
async function inlineWithoutContext() {
  const submitted = await submit({ dockerfile_inline: Buffer.from('FROM busybox\nLABEL conformance=inline\n') });
  const last = submitted.events.at(-1);
  const got = await unary(farm.builds, 'Get', { build_id: last.build_id });
  return { status: submitted.status, last: last.kind, error: last.error ?? '', request: got.request };
}

try {
  const report = { health: await health(), build: await build() };
  report.errors = await errors(report.build.root);
  report.inline_without_context = await inlineWithoutContext();
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
} finally {
  farm.close();
}
