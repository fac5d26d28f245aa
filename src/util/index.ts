export { gzipStages } from './gzip.js';
