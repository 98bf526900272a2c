import {
  instantOfWallTime,
  isTimeZone,
  minuteOfDay,
  nextFreeSlot,
  type QueueSchedule,
  upcomingSlots,
} from '../../api/queue-slots';

const berlin = (slots: QueueSchedule['slots']): QueueSchedule => ({ timezone: 'Europe/Berlin', slots });
const weekdays = (...times: string[]) =>
  (['mon', 'tue', 'wed', 'thu', 'fri'] as const).flatMap((day) =>
    times.map((t) => ({ day, minute: minuteOfDay(t)! })),
  );

describe('queue slot math', () => {
  it('turns weekly wall-clock slots into instants in the zone (Mon–Fri 09:00, 12:30, 17:00 Berlin)', () => {
    // Friday 2026-03-13 10:00 UTC = 11:00 CET
    const slots = upcomingSlots(
      berlin(weekdays('09:00', '12:30', '17:00')),
      new Date('2026-03-13T10:00:00Z'),
      4,
    );
    expect(slots).toEqual([
      '2026-03-13T11:30:00.000Z', // Fri 12:30 CET
      '2026-03-13T16:00:00.000Z', // Fri 17:00 CET
      '2026-03-16T08:00:00.000Z', // Mon 09:00 CET (the weekend has no slots)
      '2026-03-16T11:30:00.000Z',
    ]);
  });

  it('follows the offset change: the same wall time is an hour earlier in UTC after spring-forward', () => {
    const schedule = berlin([{ day: 'fri', minute: 9 * 60 }]);
    expect(upcomingSlots(schedule, new Date('2026-03-20T00:00:00Z'), 2)).toEqual([
      '2026-03-20T08:00:00.000Z', // CET, +01:00
      '2026-03-27T08:00:00.000Z', // still CET (Berlin switches on Sunday the 29th)
    ]);
    expect(upcomingSlots(schedule, new Date('2026-03-28T00:00:00Z'), 1)).toEqual([
      '2026-04-03T07:00:00.000Z',
    ]);
  });

  it('moves a 02:30 slot on the spring-forward day forward by the gap: 03:30 CEST', () => {
    const schedule = berlin([{ day: 'sun', minute: minuteOfDay('02:30')! }]);
    // 2026-03-29: Berlin skips 02:00–03:00; 03:30 CEST = 01:30 UTC
    expect(upcomingSlots(schedule, new Date('2026-03-28T00:00:00Z'), 2)).toEqual([
      '2026-03-29T01:30:00.000Z',
      '2026-04-05T00:30:00.000Z', // the next Sunday, 02:30 CEST
    ]);
  });

  it('merges a moved 02:30 slot with a 03:30 slot of the same spring-forward day', () => {
    const schedule = berlin([
      { day: 'sun', minute: minuteOfDay('02:30')! },
      { day: 'sun', minute: minuteOfDay('03:30')! },
    ]);
    expect(upcomingSlots(schedule, new Date('2026-03-28T00:00:00Z'), 2)).toEqual([
      '2026-03-29T01:30:00.000Z',
      '2026-04-05T00:30:00.000Z',
    ]);
  });

  it('takes a slot in the repeated autumn hour once, at its first occurrence (+02:00)', () => {
    const schedule = berlin([{ day: 'sun', minute: minuteOfDay('02:30')! }]);
    // 2026-10-25: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET)
    expect(upcomingSlots(schedule, new Date('2026-10-24T00:00:00Z'), 2)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-11-01T01:30:00.000Z', // the next Sunday, 02:30 CET
    ]);
    // Between the two occurrences the slot of that day has passed: the next is a week on.
    expect(upcomingSlots(schedule, new Date('2026-10-25T01:00:00Z'), 1)).toEqual([
      '2026-11-01T01:30:00.000Z',
    ]);
  });

  it('resolves wall times in zones west of UTC and across the date line', () => {
    // New York springs forward on 2026-03-08 at 02:00
    expect(new Date(instantOfWallTime(Date.UTC(2026, 2, 8, 2, 30), 'America/New_York')).toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    );
    const auckland: QueueSchedule = { timezone: 'Pacific/Auckland', slots: [{ day: 'mon', minute: 8 * 60 }] };
    // Monday 2026-06-01 08:00 NZST (+12:00) is Sunday 20:00 UTC
    expect(upcomingSlots(auckland, new Date('2026-05-31T12:00:00Z'), 1)).toEqual([
      '2026-05-31T20:00:00.000Z',
    ]);
  });

  it('finds the first slot not taken', () => {
    const schedule = berlin(weekdays('09:00', '17:00'));
    const from = new Date('2026-03-16T06:00:00Z');
    const taken = new Set(['2026-03-16T08:00:00.000Z', '2026-03-17T08:00:00.000Z']);
    expect(nextFreeSlot(schedule, from, taken)).toBe('2026-03-16T16:00:00.000Z');
    expect(nextFreeSlot(berlin([]), from, taken)).toBeUndefined();
  });

  it('knows IANA zones and 24-hour times', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(minuteOfDay('23:59')).toBe(1439);
    expect(minuteOfDay('24:00')).toBeUndefined();
    expect(minuteOfDay('9:00')).toBeUndefined();
  });
});
