import { describe, expect, it } from 'vitest';
import { exampleTmpDir, runExample } from './helpers.js';

const tmp = exampleTmpDir();

/** The model: which events are readings, and how many summary lines (one per 100 of a sensor, plus the rest). */
function expected(events: number): { malformed: number; readings: number; lines: number } {
  const perSensor = new Array<number>(8).fill(0);
  let malformed = 0;
  for (let i = 0; i < events; i++) {
    if (i % 250 === 249) malformed++;
    else perSensor[i % 8]!++;
  }
  const lines = perSensor.reduce((n, c) => n + Math.floor(c / 100) + (c % 100 > 0 ? 1 : 0), 0);
  return { malformed, readings: events - malformed, lines };
}

describe('examples/legacy-stream', () => {
  it('reads streams1 feeds through through2 into generator code and .pipe()s the result to an old writable, losing nothing', { timeout: 30_000 }, async () => {
    const events = 20_000;
    const { malformed, readings, lines } = expected(events);
    const { stdout } = await runExample('legacy-stream.ts', ['--events', String(events)], tmp);
    for (const name of ['feed with pause()', 'feed without pause()']) {
      const esc = name.replace(/[()]/g, '\\$&');
      expect(stdout).toMatch(new RegExp(`^${esc}: ${events} events emitted, ${events} read by the loop, ${malformed} malformed dropped by through2, ${readings} readings$`, 'm'));
      const piped = new RegExp(`^${esc}: the old \\.pipe\\(\\) consumer got (\\d+) summary lines covering (\\d+) readings, after (\\d+) 'drain' waits$`, 'm').exec(stdout);
      expect(piped, stdout).not.toBeNull();
      expect(Number(piped![1])).toBe(lines);
      expect(Number(piped![2])).toBe(readings);
      expect(Number(piped![3])).toBeGreaterThan(0); // the old writable's write() === false was honoured by .pipe()
    }
    expect(stdout).toMatch(new RegExp(`^check pausable: all ${readings} readings in order, nothing lost: ok$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^check unpausable: all ${readings} readings in order, nothing lost: ok$`, 'm'));
  });

  it('pauses a feed that has pause(), and says how much it buffered for one that has not', { timeout: 30_000 }, async () => {
    const { stdout } = await runExample('legacy-stream.ts', ['--smoke'], tmp);
    const paused = /^feed with pause\(\): paused (\d+) times by fromReadable; at most (\d+) events buffered ahead of the loop/m.exec(stdout);
    expect(paused, stdout).not.toBeNull();
    expect(Number(paused![1])).toBeGreaterThan(0);
    expect(Number(paused![2])).toBeLessThanOrEqual(64); // the wrapper's high-water mark: the feed stopped mid-burst
    const unpaused = /^feed without pause\(\): it cannot be paused, so fromReadable buffered up to (\d+) events ahead of the loop \(nothing dropped/m.exec(stdout);
    expect(unpaused, stdout).not.toBeNull();
    expect(Number(unpaused![1])).toBeGreaterThanOrEqual(500); // at least a whole burst: nothing could stop it
    expect(stdout).toMatch(/^check pausable: all 4980 readings in order, nothing lost: ok$/m);
    expect(stdout).toMatch(/^check unpausable: all 4980 readings in order, nothing lost: ok$/m);
  });
});
