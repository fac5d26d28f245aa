import type { JailPlan } from '../plan/index.js';
import { scriptTemplate } from './templates.js';
import { type PayloadView, type ScriptMode, scriptView } from './view.js';

export interface RenderOptions {
  mode: ScriptMode;
  /** The script's default for checking sha256 of copied files (its --no-verify turns it off). */
  verify?: boolean;
  /** Bundle mode: where the payload sits; omitted, fixed-width placeholders of the same length. */
  payload?: { offset: number; size: number; sha256: string };
}

/** Width of the numeric payload fields: any file size fits, so the script length never depends on it. */
const FIELD = 20;

export function payloadView(p: RenderOptions['payload']): PayloadView {
  const v = p ?? { offset: 0, size: 0, sha256: '0'.repeat(64) };
  // Internal invariant, plain Error on purpose: reaching it is a bug (exit 70), not user input.
  if (!/^[0-9a-f]{64}$/.test(v.sha256)) throw new Error('payload sha256 must be 64 hex digits');
  return {
    offset: String(v.offset).padEnd(FIELD),
    size: String(v.size).padEnd(FIELD),
    sha256: v.sha256,
  };
}

/**
 * The setup script for a plan: POSIX sh, deterministic for the same plan and options. Host mode
 * copies files from the machine it runs on; bundle mode expects its payload appended (writeBundle).
 */
export function renderScript(plan: JailPlan, opts: RenderOptions): string {
  const view = scriptView(plan, opts.mode, opts.verify ?? true);
  if (opts.mode === 'bundle') view.payload = payloadView(opts.payload);
  return scriptTemplate()(view);
}
