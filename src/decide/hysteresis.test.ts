import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeTrack } from '../model/decision.js';
import type { HysteresisConfig, TrackEvent, TrackInput } from './hysteresis.js';
import { freshTrack, updateTrack } from './hysteresis.js';

const CFG: HysteresisConfig = { retryUp: 3, retryDown: 2, minHoldMs: 8000 };
const fit: TrackInput = { fit: true, immediateDown: false, gcommUuid: 'u1' };
const soft: TrackInput = { fit: false, immediateDown: false, gcommUuid: null };
const hard: TrackInput = { fit: false, immediateDown: true, gcommUuid: null };

/** Feed (time, input) pairs; return the events. */
function feed(steps: [number, TrackInput][], cfg = CFG, start?: NodeTrack): { events: TrackEvent[]; track: NodeTrack } {
  let track = start;
  const events: TrackEvent[] = [];
  for (const [now, input] of steps) {
    const r = updateTrack(track, input, now, cfg);
    events.push(r.event);
    track = r.track;
  }
  return { events, track: track ?? freshTrack() };
}

void test('hysteresis: a node never seen unhealthy enters on its first healthy observation (cold start causes no outage)', () => {
  assert.deepEqual(feed([[0, fit]]).events, ['entered']);
});

void test('hysteresis: retryDown: a condition that may pass removes the node on the retryDown-th consecutive observation', () => {
  assert.deepEqual(feed([[0, fit], [2000, soft], [4000, soft]]).events, ['entered', 'pending_down', 'left']);
  // a healthy observation in between resets the count
  assert.deepEqual(feed([[0, fit], [2000, soft], [4000, fit], [6000, soft], [8000, soft]]).events, ['entered', 'pending_down', 'in', 'pending_down', 'left']);
});

void test('hysteresis: retryDown 0 counts as 1: removal on the first unhealthy observation', () => {
  assert.deepEqual(feed([[0, fit], [2000, soft]], { ...CFG, retryDown: 0 }).events, ['entered', 'left']);
});

void test('hysteresis: immediate conditions (unsafe, intent, refused) remove at once whatever retryDown says', () => {
  assert.deepEqual(feed([[0, fit], [2000, hard]], { ...CFG, retryDown: 10 }).events, ['entered', 'left']);
});

void test('hysteresis: re-entry needs retryUp healthy observations AND minHoldMs of health', () => {
  // ticks every 2 s: 3 observations are reached at 8 s + 4 s, but the hold needs 8 s from the first healthy one
  const steps: [number, TrackInput][] = [[0, fit], [2000, hard], [4000, fit], [6000, fit], [8000, fit], [10_000, fit], [12_000, fit]];
  const { events } = feed(steps);
  assert.deepEqual(events, ['entered', 'left', 'holding', 'holding', 'holding', 'holding', 'entered']);
});

void test('hysteresis: re-entry waits for retryUp even when the hold time is over (slow ticks)', () => {
  const steps: [number, TrackInput][] = [[0, fit], [1000, hard], [2000, fit], [60_000, fit], [120_000, fit]];
  assert.deepEqual(feed(steps).events, ['entered', 'left', 'holding', 'holding', 'entered']);
});

void test('hysteresis: any unhealthy observation during the hold restarts it', () => {
  const steps: [number, TrackInput][] = [[0, fit], [1000, hard], [2000, fit], [6000, fit], [9000, soft], [10_000, fit], [14_000, fit], [18_000, fit]];
  const { events, track } = feed(steps);
  assert.deepEqual(events, ['entered', 'left', 'holding', 'holding', 'out', 'holding', 'holding', 'entered']);
  assert.equal(track.healthySince, 10_000);
});

void test('hysteresis: a resumed frozen node reporting healthy for 6 s does not re-enter with an 8 s hold', () => {
  const steps: [number, TrackInput][] = [[0, fit], [2000, soft], [4000, soft], [6000, fit], [8000, fit], [10_000, fit], [12_000, hard]];
  const { events } = feed(steps, { retryUp: 1, retryDown: 2, minHoldMs: 8000 });
  assert.deepEqual(events, ['entered', 'pending_down', 'left', 'holding', 'holding', 'holding', 'out']);
});

void test('hysteresis: the holding result says how much is missing', () => {
  const r0 = updateTrack(undefined, fit, 0, CFG);
  const r1 = updateTrack(r0.track, hard, 1000, CFG);
  const r2 = updateTrack(r1.track, fit, 2000, CFG);
  assert.equal(r2.event, 'holding');
  assert.equal(r2.upTicksLeft, 2);
  assert.equal(r2.holdLeftMs, 8000);
  const r3 = updateTrack(r2.track, fit, 5000, CFG);
  assert.equal(r3.upTicksLeft, 1);
  assert.equal(r3.holdLeftMs, 5000);
});

void test('hysteresis: timestamps and the last gcomm uuid are kept in the track', () => {
  const { track } = feed([[0, fit], [2000, soft], [4000, soft], [6000, fit]]);
  assert.equal(track.lastHealthyAt, 6000);
  assert.equal(track.lastUnhealthyAt, 4000);
  assert.equal(track.healthySince, 6000);
  assert.equal(track.healthyStreak, 1);
  assert.equal(track.unhealthyStreak, 0);
  assert.equal(track.gcommUuid, 'u1', 'an unhealthy observation without uuid keeps the last known one');
  assert.equal(track.inService, false);
});
