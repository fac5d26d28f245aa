/**
 * A distro profile: the data that differs between distributions (where libraries, NSS modules, CA
 * bundles and Python live). Profiles are YAML files in templates/distros/; a new distro is a file.
 * Paths may hold `{triplet}`, replaced by the multiarch triplet of the root's architecture.
 */
export interface DistroProfile {
  /** File name without .yaml. */
  id: string;
  /** os-release ID / ID_LIKE values this profile serves. */
  matches: string[];
  packageDb: 'dpkg' | 'apk' | 'rpm' | 'pacman' | 'none';
  /** Architecture (uname -m style) → multiarch triplet. */
  multiarch: Record<string, string>;
  libDirs: string[];
  nss: { dirs: string[]; modules: string[]; config: string[] };
  ca: { bundles: string[]; dirs: string[]; openssl: string[] };
  python: { interpreters: string[]; stdlib: string[] };
  tzdata: string;
  terminfo: string[];
}

export interface OsRelease {
  id: string | null;
  idLike: string[];
  versionId: string | null;
  versionCodename: string | null;
  prettyName: string | null;
  /** Every key as read, unquoted. */
  fields: Record<string, string>;
}

export interface DistroInfo {
  /** Host directory of the root. */
  root: string;
  /** In-root path of the os-release file read, or null when the root has none. */
  osReleasePath: string | null;
  osRelease: OsRelease;
  /** uname -m style: x86_64, aarch64, armhf, i386, riscv64, ppc64le, s390x; null when unknown. */
  arch: string | null;
  /** The multiarch triplet for `arch` from the profile, or null. */
  triplet: string | null;
  /** The profile with `{triplet}` expanded (entries needing a triplet dropped when there is none). */
  profile: DistroProfile;
}
