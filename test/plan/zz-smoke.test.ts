import { it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { createPlan, summarizePlan } from '../../src/plan/index.js';
import { lddResolver } from './ldd-resolver.js';
it('smoke', async () => {
  const t = Date.now();
  const spec = await loadSpec(process.env.SPEC ?? '/tmp/sp/py.yaml');
  const plan = await createPlan(spec, { resolver: lddResolver() });
  console.log(JSON.stringify(summarizePlan(plan), null, 1), Date.now() - t);
  console.log(plan.entries.filter(e => e.type !== 'file' || !e.path.startsWith('/usr/lib/python3.11')).map(e => `${e.type} ${e.path} ${e.mode.toString(8)} ${'target' in e ? e.target : ''}`).join('\n'));
});
