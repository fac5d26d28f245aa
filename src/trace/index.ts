export { summarize, type TraceSummary } from './collect.js';
export { type EventKind, type ParsedTrace, parseStrace, type TraceEvent, unescapeStrace } from './parse.js';
export { type TraceOptions, type TraceResult, traceCommand } from './run.js';
