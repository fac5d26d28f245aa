/** What the outer process hands to inner.ts (as a JSON file in a root-only temp dir). */
export interface InnerBind {
  source: string;
  /** Host path of the target inside the jail, checked free of symlinks by the outer side. */
  target: string;
  dir: boolean;
  readOnly: boolean;
}

export interface InnerConfig {
  jail: string;
  binds: InnerBind[];
  mount: string;
  /** `ip` to raise loopback in the new network namespace; null leaves it alone. */
  ip: string | null;
  chain: string[];
  env: Record<string, string>;
  /** inner writes a one-line reason here when setting up fails, then exits 125. */
  errorFile: string;
}

export const SETUP_FAILED = 125;
