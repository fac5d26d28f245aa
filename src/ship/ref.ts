/**
 * A registry reference, checked before any tool is started: `[docker://]HOST[:PORT]/REPO[:TAG][@sha256:HEX]`
 * (the registry host is required: a bare `python` would silently mean Docker Hub).
 */
import { UsageError } from '../errors.js';

export interface ImageReference {
  /** host[:port] */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d{1,5})?$|^\[[0-9a-fA-F:]+\](?::\d{1,5})?$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function parseReference(text: string): ImageReference {
  const bad = (why: string): never => {
    throw new UsageError('REGISTRY_BAD_REF', `bad image reference "${text}": ${why}`, {
      hint: 'e.g. registry.example.com:5000/team/jail:1.0 or HOST/REPO@sha256:HEX',
    });
  };
  let rest = text.startsWith('docker://') ? text.slice('docker://'.length) : text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) bad('the digest is not sha256:<64 hex>');
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) bad('no registry host (HOST[:PORT]/REPO)');
  const registry = rest.slice(0, slash);
  if (!HOST.test(registry) || !(registry.includes('.') || registry.includes(':') || registry === 'localhost'))
    bad('the first component is not a registry host');
  let repo = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = repo.lastIndexOf(':');
  if (colon >= 0) {
    tag = repo.slice(colon + 1);
    repo = repo.slice(0, colon);
    if (!TAG.test(tag)) bad('the tag is not [A-Za-z0-9_][A-Za-z0-9_.-]*');
  }
  if (repo === '' || !repo.split('/').every((c) => COMPONENT.test(c)))
    bad('the repository is not lowercase name components separated by /');
  return { registry, repository: repo, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The reference as skopeo takes it (`docker://HOST/REPO:TAG` or `@DIGEST`). */
export function refText(r: ImageReference, over: { tag?: string; digest?: string } = {}): string {
  const base = `docker://${r.registry}/${r.repository}`;
  const digest = over.digest ?? (over.tag ? undefined : r.digest);
  if (digest) return `${base}@${digest}`;
  return `${base}:${over.tag ?? r.tag ?? 'latest'}`;
}

/** Where cosign-style tools look for an image's signature: the tag `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}
