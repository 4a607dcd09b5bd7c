import type { resultDocument } from '../phases/result';

/** The result document of one execution (`faultline run --json`), what every report is built from. */
export type ResultDocument = ReturnType<typeof resultDocument>;
