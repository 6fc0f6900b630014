/**
 * Robustness (1): every example typed character by character (every prefix; see prefixLengths) through the
 * in-process services, as the language server sees it while someone types. Nothing may throw, every state
 * must validate, and the feature providers must answer. Examples are split over typing-1/typing-2 so vitest
 * runs them on two workers.
 */
import { typingSuite } from './harness.js';

typingSuite(1, 2);
