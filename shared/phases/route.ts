import type { Contract } from '../../events';
import type { BusEntry } from '../ports';
import type { PhaseDependencies } from './dependencies';

/** One event a function accepts, and the domain function that handles it. */
export interface Route {
  contract: Contract<never> | Contract<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  run: (event: any, deps: PhaseDependencies) => Promise<BusEntry[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /**
   * What the event means, where one meaning may arrive under several event ids (a publisher's
   * retry, outputs published again by a resumed attempt): the claim is taken on this instead of
   * the bus's id, so that each meaning takes effect once.
   */
  meaning?: (event: any) => string; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface PhaseDefinition {
  /** The function's name in serverless.yml; also the consumer name of its idempotency records. */
  name: string;
  routes: readonly Route[];
}

