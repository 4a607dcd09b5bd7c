import type { Contract } from '../../events';
import type { BusEntry } from '../ports';
import type { PhaseDependencies } from './dependencies';

/** One event a function accepts, and the domain function that handles it. */
export interface Route {
  // biome-ignore lint/suspicious/noExplicitAny: a boundary over contracts and SDK stubs of any shape
  contract: Contract<never> | Contract<any>;
  // biome-ignore lint/suspicious/noExplicitAny: a boundary over contracts and SDK stubs of any shape
  run: (event: any, deps: PhaseDependencies) => Promise<BusEntry[]>;
  /**
   * What the event means, where one meaning may arrive under several event ids (a publisher's
   * retry, outputs published again by a resumed attempt): the claim is taken on this instead of
   * the bus's id, so that each meaning takes effect once.
   */
  // biome-ignore lint/suspicious/noExplicitAny: a boundary over contracts and SDK stubs of any shape
  meaning?: (event: any) => string;
}

export interface PhaseDefinition {
  /** The function's name in serverless.yml; also the consumer name of its idempotency records. */
  name: string;
  routes: readonly Route[];
}
