/** Every static check, in report order of the catalog. Add a check here and in checks/. */
import { STATIC_CHECKS } from './checks/index.js';
import type { Check } from './types.js';

export const CHECKS: readonly Check[] = STATIC_CHECKS;
