/**
 * How the find walk is spread over the cores (issue 17: the walk is syscall bound, one find is one
 * core). The jail's top is read here (a few readdirs), and its subtrees are dealt out to several
 * find processes, each listing its share; one more find lists the directories read here with their
 * direct children (-maxdepth 1), so every entry still comes from find, once (a subtree's own
 * record, printed twice, is only checked against the first: find-walk.ts). Measured on 100k
 * entries over 2 cores: reading the output of one find ~0.30 s, of two finds over halves ~0.22 s.
 *
 * A subtree's size is not known without walking it: a directory's own link count (2 + its
 * subdirectories, on ext4, xfs, tmpfs) and its size (its entries, on most file systems) stand in
 * for it. The heaviest subtree is opened up until none is more than a small share of the whole,
 * then the subtrees are dealt out heaviest first, each to the lightest share. A bad guess costs
 * balance, never an entry.
 */
import { type Dirent, lstatSync, readdirSync } from 'node:fs';
import { PLAIN } from './names.js';

/** The most directories read here before the split is dealt out. */
const MAX_OPENED = 64;
/** No subtree is left heavier than 1 / (SHARE x workers) of the whole, if openings allow. */
const SHARE = 4;
/** Past this many subdirectories in one directory, a sample is weighed, not each (an lstat each). */
const MAX_WEIGHED = 1024;
const SAMPLE = 64;
/**
 * The least estimated size (the weights of the subtrees plus the entries of the directories read)
 * worth a split: each find more is a spawn, a few ms of this process, more than a small jail's
 * whole walk (a 2k-entry jail, estimated at ~1.7k, walks in ~25 ms with one find).
 */
const MIN_WEIGHT = 10_000;
/** The start points' bytes on find's argv, at most (ARG_MAX is 2 MiB with the environment). */
const ARGV_BUDGET = 256 * 1024;

export interface FindSplit {
  /** Directories ('.', './usr', ...) one find lists with their direct children, parents first. */
  shallow: string[];
  /** Per worker: the subtrees ('./usr/lib', ...) whose contents it lists. */
  deep: string[][];
  /** Every subtree dealt out, for the parser: any other directory below `shallow` was not walked. */
  subtrees: Set<string>;
}

/** A stand-in for the size of the subtree under a directory, from its own lstat. */
function weight(nlink: number, size: number): number {
  return 1 + Math.max(nlink - 2, 0) * 16 + size / 32;
}

/**
 * Plans a walk of `jail` by `workers` finds, or undefined when one find is as good: one worker,
 * a jail whose top cannot be read or named on argv, nothing to split, or a small jail.
 */
export function planSplit(jail: string, workers: number, minWeight = MIN_WEIGHT): FindSplit | undefined {
  if (workers < 2) return undefined;
  let read = 0;
  const shallow: string[] = [];
  const leaves = new Map<string, number>();
  const whole = new Set<string>();
  let argv = 0;
  /** Reads a directory: its subdirectories become subtrees; false when it must stay whole. */
  const open = (dir: string): boolean => {
    let names: Dirent[];
    try {
      names = readdirSync(`${jail}/${dir}`, { withFileTypes: true });
    } catch {
      return false;
    }
    // A name argv cannot carry as is, or that find would print otherwise, keeps its parent whole.
    if (names.some((d) => !PLAIN.test(d.name))) return false;
    const subs = names.filter((d) => d.isDirectory());
    let bytes = 0;
    for (const d of subs) bytes += dir.length + d.name.length + 2;
    if (argv + bytes > ARGV_BUDGET) return false;
    argv += bytes;
    read += names.length;
    shallow.push(dir);
    // Past MAX_WEIGHED, the first SAMPLE stand in for the rest: their mean weight for each.
    let sum = 0;
    let weighed = 0;
    for (const d of subs) {
      const sub = `${dir}/${d.name}`;
      if (weighed >= (subs.length > MAX_WEIGHED ? SAMPLE : subs.length)) {
        leaves.set(sub, sum / weighed);
        continue;
      }
      const st = lstatSync(`${jail}/${sub}`, { throwIfNoEntry: false });
      // Gone or no longer a directory: find lists what it is then, and the parser checks.
      if (!st?.isDirectory()) continue;
      const w = weight(st.nlink, st.size);
      leaves.set(sub, w);
      sum += w;
      weighed++;
    }
    return true;
  };
  if (!open('.')) return undefined;
  for (let opened = 1; opened < MAX_OPENED; opened++) {
    let total = 0;
    let heaviest: string | undefined;
    let most = 0;
    for (const [dir, w] of leaves) {
      total += w;
      if (w > most && !whole.has(dir)) {
        most = w;
        heaviest = dir;
      }
    }
    if (heaviest === undefined || most * SHARE * workers <= total) break;
    leaves.delete(heaviest);
    if (!open(heaviest)) {
      leaves.set(heaviest, most);
      whole.add(heaviest);
    }
  }
  let weighed = read;
  for (const w of leaves.values()) weighed += w;
  if (leaves.size < 2 || weighed < minWeight) return undefined;
  const deep: string[][] = Array.from({ length: Math.min(workers, leaves.size) }, () => []);
  const load = deep.map(() => 0);
  for (const [dir, w] of [...leaves].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    const i = load.indexOf(Math.min(...load));
    (deep[i] as string[]).push(dir);
    load[i] = (load[i] as number) + w;
  }
  return { shallow, deep, subtrees: new Set(leaves.keys()) };
}
