/**
 * The corpus, typed for the tests: the data lives in bench/lib/corpus-programs.mjs, shared with
 * bench/corpus.mjs (which compares with jailkit's sections on the same tasks).
 */
import { TASKS as RAW } from '../../bench/lib/corpus-programs.mjs';

export interface Task {
  prog: string;
  args: string[];
  env?: Record<string, string>;
  stdin?: string | Buffer;
  /** Exit status the task must end with (default 0). */
  status?: number;
  /** The right answer: the exact stdout, or a check of stdout and stderr. */
  expect: string | ((out: Buffer, err: string) => boolean);
  heldOut?: boolean;
  /** The Debian package that has the program (listed in .ci/apt-packages). */
  pkg: string;
}

export const TASKS: Task[] = RAW;
