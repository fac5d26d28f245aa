import { ScriptError } from '../errors.js';
import type { JailPlan } from '../plan/index.js';
import { writeFileAtomic } from '../sys/index.js';
import { writeBundle } from './bundle.js';
import { planDigest } from './digest.js';
import { renderScript } from './render.js';
import { outputError } from './validate.js';
import type { ScriptMode } from './view.js';

export interface EmitOptions {
  mode: ScriptMode;
  /** File to write; omitted (host mode only), the script comes back as text. */
  output?: string;
  verify?: boolean;
}

export interface EmitResult {
  output: string | null;
  mode: ScriptMode;
  planDigest: string;
  bytes: number;
  /** The script itself when no output file was named. */
  script?: string;
}

/**
 * Host mode: the script as text, or written to `output`. Bundle mode: the bundle written to
 * `output`, which it needs: the bundle reads its own file to find its payload.
 */
export async function emitScript(plan: JailPlan, opts: EmitOptions): Promise<EmitResult> {
  const verify = opts.verify ?? true;
  if (opts.mode === 'bundle') {
    if (!opts.output)
      throw new ScriptError('SCRIPT_BUNDLE_NEEDS_FILE', 'bundle mode needs an output file', {
        hint: 'add -o FILE: a bundle finds its payload by reading its own file, so it cannot be piped',
      });
    const r = await writeBundle(plan, opts.output, { verify });
    return { output: r.output, mode: 'bundle', planDigest: r.planDigest, bytes: r.bytes };
  }
  const script = renderScript(plan, { mode: 'host', verify });
  const bytes = Buffer.byteLength(script);
  if (!opts.output) return { output: null, mode: 'host', planDigest: planDigest(plan), bytes, script };
  try {
    writeFileAtomic(opts.output, script, { mode: 0o755 });
  } catch (e) {
    throw outputError(e, opts.output);
  }
  return { output: opts.output, mode: 'host', planDigest: planDigest(plan), bytes };
}
