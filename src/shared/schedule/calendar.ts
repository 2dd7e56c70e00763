/**
 * Whether a date and time as written exist. Date.parse does not say: it rolls 2027-02-30 over to March 2 and reads
 * 24:00 as the next midnight, which is never what a caller who typed them meant.
 */

/** Why the parts do not name a real date and time (month 1-12, a day the month has, 00:00:00-23:59:59), or null. */
export function calendarProblem(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): string | null {
  const days = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
  if (days === 0) return `there is no month ${month}`;
  if (day < 1 || day > days) return `${year}-${String(month).padStart(2, '0')} has no day ${day}`;
  if (hour > 23 || minute > 59 || second > 59) return 'hours go to 23, minutes and seconds to 59';
  return null;
}
