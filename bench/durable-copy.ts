// Copies of a scale warehouse that are on disk before anything is timed. A fresh copy of a 500 MB
// DuckDB file sits in the page cache as dirty pages, and the first fsync DuckDB makes on it (the
// first write of the run timed next) waits for the kernel to write them all: a `quorum run` on an
// unsynced copy spent 0.35 s in `stage.compile` against 0.08 s on a synced one (BENCHMARKS.md,
// "Delivery: the next chunk read ahead"), a cost of the bench's copy, not of quorum.
import { closeSync, copyFileSync, cpSync, fsyncSync, openSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function syncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncTree(target: string): void {
  if (!statSync(target).isDirectory()) return syncFile(target);
  for (const entry of readdirSync(target)) syncTree(path.join(target, entry));
}

/** copyFileSync, then the copy's data flushed to disk. */
export function copyFileDurably(from: string, to: string): void {
  copyFileSync(from, to);
  syncFile(to);
}

/** cpSync of a folder, recursively, then every copied file's data flushed to disk. */
export function copyTreeDurably(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  syncTree(to);
}
