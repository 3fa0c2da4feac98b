// Switchboard's traffic switch: an operator turns all traffic off (every client connection refused or severed,
// on every router) and on again, with a message saying why. Kept in the coordination record when a store is
// configured (one switch for every instance), else in this instance's state file.

export interface TrafficSwitch {
  trafficEnabled: boolean;
  /** why (required when turning traffic off, as in Switchboard); empty for none */
  message: string;
  /** who set it: the API user and address, and the instance that took the request; empty: never set */
  setBy: string;
  /** when (epoch ms); null: never set (traffic has been on since the start) */
  setAt: number | null;
}

export const TRAFFIC_ON: TrafficSwitch = { trafficEnabled: true, message: '', setBy: '', setAt: null };

/** An operator's request to set the switch. */
export interface TrafficRequest {
  trafficEnabled: boolean;
  message: string;
  /** who asks (API user and address, or "cli") */
  by: string;
}

/** What the switch looks like from one instance. */
export interface TrafficState extends TrafficSwitch {
  /** "record": shared through the coordination store; "local": this instance only (store "none") */
  scope: 'record' | 'local';
}

/** The outcome of a request: the switch as it is now, or why it could not be set (stable code). */
export type TrafficResult =
  | { ok: true; traffic: TrafficState }
  | { ok: false; code: string; message: string };
