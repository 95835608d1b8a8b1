// The context tree of content.proto, from its comments alone: one MessagePack node per directory,
// in the canonical form those comments give, so the root digest is the one every client gets.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

const FILE = 0;
const DIRECTORY = 1;
const SYMLINK = 2;

export function sha256(bytes) {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

// The MessagePack subset a node needs: arrays, strings, unsigned integers and nil, each in its
// shortest form (unsigned formats for non-negative integers).
class Writer {
  constructor() {
    this.parts = [];
  }

  header(value, fix, fixLimit, formats) {
    if (value < fixLimit) {
      this.parts.push(Buffer.from([fix | value]));
      return;
    }
    for (const [code, bytes] of formats) {
      if (value < 2 ** (8 * bytes)) {
        const b = Buffer.alloc(1 + bytes);
        b[0] = code;
        b.writeUIntBE(value, 1, bytes);
        this.parts.push(b);
        return;
      }
    }
    throw new Error(`${value} is too large`);
  }

  array(length) {
    this.header(length, 0x90, 16, [[0xdc, 2], [0xdd, 4]]);
  }

  uint(value) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new Error(`${value} is not an unsigned integer`);
    }
    if (value >= 2 ** 32) {
      const b = Buffer.alloc(9);
      b[0] = 0xcf;
      b.writeBigUInt64BE(BigInt(value), 1);
      this.parts.push(b);
      return;
    }
    this.header(value, 0x00, 128, [[0xcc, 1], [0xcd, 2], [0xce, 4]]);
  }

  str(text) {
    if (text === null) {
      this.parts.push(Buffer.from([0xc0]));
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    this.header(bytes.length, 0xa0, 32, [[0xd9, 1], [0xda, 2], [0xdb, 4]]);
    this.parts.push(bytes);
  }

  bytes() {
    return Buffer.concat(this.parts);
  }
}

// entries: [{ name, kind, mode, uid, gid, size, digest, linkTarget }] in any order.
export function encodeNode(entries) {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.name, 'utf8'), Buffer.from(b.name, 'utf8')));
  const w = new Writer();
  w.array(2);
  w.uint(1);
  w.array(sorted.length);
  for (const e of sorted) {
    w.array(8);
    w.str(e.name);
    w.uint(e.kind);
    w.uint(e.mode);
    w.uint(e.uid);
    w.uint(e.gid);
    w.uint(e.size);
    w.str(e.digest);
    w.str(e.linkTarget);
  }
  return w.bytes();
}

// Walks a directory with lstat (symlinks kept as links) into blobs: Map digest -> Buffer.
// Returns the root node's digest.
export async function snapshot(directory, blobs) {
  const entries = [];
  for (const name of await readdir(directory)) {
    const path = join(directory, name);
    const st = await lstat(path);
    const common = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    if (st.isFile()) {
      const content = await readFile(path);
      const digest = sha256(content);
      blobs.set(digest, content);
      entries.push({ ...common, kind: FILE, size: content.length, digest, linkTarget: null });
    } else if (st.isDirectory()) {
      const digest = await snapshot(path, blobs);
      entries.push({ ...common, kind: DIRECTORY, size: blobs.get(digest).length, digest, linkTarget: null });
    } else if (st.isSymbolicLink()) {
      entries.push({ ...common, kind: SYMLINK, size: 0, digest: null, linkTarget: await readlink(path) });
    }
  }
  const node = encodeNode(entries);
  const digest = sha256(node);
  blobs.set(digest, node);
  return digest;
}

export const Kinds = { FILE, DIRECTORY, SYMLINK };
