/** The shapes of events on the bus: what a publisher puts, and what a target receives. */
/** An event to put on the bus (the PutEvents entry, with `detail` as an object). */
export interface BusEntry {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources?: string[];
  time?: Date;
}

/** An event as the bus delivers it (EventBridge's envelope). */
export interface BusEvent<D = unknown> {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: D;
}
