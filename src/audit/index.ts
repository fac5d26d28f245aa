export { type MountInfo, parseMountinfo } from '../sys/index.js';
export { type AuditOptions, auditJail } from './audit.js';
export { CAP_NAMES, capNames, ESCAPE_CAPS } from './capabilities.js';
export { decodeFileCap } from './fcaps.js';
export { PROBE_RULES, type ProbeReport, probeProcess } from './probe.js';
export { CHECKS } from './registry.js';
export { toJson } from './reporters/json.js';
export { toSarif } from './reporters/sarif.js';
export { renderText } from './reporters/text.js';
export type {
  AuditReport,
  AuditSummary,
  AuditWarning,
  Check,
  Entry,
  Finding,
  RuleInfo,
  Severity,
} from './types.js';
export { SEVERITIES, severityRank } from './types.js';
