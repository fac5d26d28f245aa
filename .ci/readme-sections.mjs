// The README's generated sections: the spec reference (from the JSON Schema) and the audit ids
// (from the check registry), and the bench table (from bench/results.md). `node .ci/readme-sections.mjs --write` refreshes README.md after
// `npm run build`; test/docs/readme.test.ts fails when the README has drifted from either source.
import { readFileSync, writeFileSync } from 'node:fs';

const repo = new URL('..', import.meta.url);

function typeOf(p, defs) {
  if (p.$ref) {
    const name = p.$ref.split('/').pop();
    return name === 'stringList' ? 'list of strings' : typeOf(defs[name] ?? {}, defs);
  }
  const t = Array.isArray(p.type) ? p.type.join(' or ') : (p.type ?? 'any');
  if (t === 'array' && p.items) return `list of ${typeOf(p.items, defs)}`;
  return t;
}

function cell(text) {
  return String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function specReference(schema) {
  const defs = schema.definitions ?? schema.$defs ?? {};
  const rows = ['| key | type | meaning |', '|---|---|---|'];
  for (const [key, p] of Object.entries(schema.properties)) {
    if (key === '$schema') continue;
    rows.push(`| \`${key}\` | ${cell(typeOf(p, defs))} | ${cell(p.description)} |`);
    const sub = p.properties ?? p.items?.properties;
    for (const [k, q] of Object.entries(sub ?? {})) {
      rows.push(`| \`${key}.${k}\` | ${cell(typeOf(q, defs))} | ${cell(q.description)} |`);
    }
  }
  return rows.join('\n');
}

export function auditTable(checks) {
  const rows = ['| id | highest severity | what it finds |', '|---|---|---|'];
  for (const c of [...checks].sort((a, b) => a.id.localeCompare(b.id))) {
    rows.push(`| \`${c.id}\` | ${c.severity} | ${cell(c.title)}: ${cell(c.why)} |`);
  }
  return rows.join('\n');
}

/** bench/results.md (written by `npm run bench`) without its title. */
function benchSection() {
  try {
    const md = readFileSync(new URL('bench/results.md', repo), 'utf8');
    return md.replace(/^# .*\n+/, '').trimEnd();
  } catch {
    return 'No bench results yet: run `npm run bench`.';
  }
}

export function replaceSection(text, name, body) {
  const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!re.test(text)) throw new Error(`README.md lacks the ${name} markers`);
  return text.replace(re, `$1${body}\n$2`);
}

export async function expectedReadme() {
  const schema = JSON.parse(readFileSync(new URL('schema/jail-spec.schema.json', repo), 'utf8'));
  const { CHECKS } = await import(new URL('dist/audit/registry.js', repo).href);
  let text = readFileSync(new URL('README.md', repo), 'utf8');
  text = replaceSection(text, 'spec-reference', specReference(schema));
  text = replaceSection(text, 'audit-ids', auditTable(CHECKS));
  text = replaceSection(text, 'bench', benchSection());
  return text;
}

if (process.argv.includes('--write')) {
  writeFileSync(new URL('README.md', repo), await expectedReadme());
}
