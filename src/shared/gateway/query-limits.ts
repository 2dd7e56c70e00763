/** The documented limits of the gateway's query endpoints, shared by the client and the simulator. */

/** msgIds per getReport call. */
export const MAX_REPORT_MSG_IDS = 200;
/** Rows per getSentRcd answer; a full page means: ask again from startIndex + this. */
export const SENT_RCD_PAGE_ROWS = 50_000;
/** getSentRcd's longest window. */
export const MAX_SENT_RCD_WINDOW_MS = 31 * 86_400_000;
/** How far back getSentRcd's window may start. */
export const SENT_RCD_HISTORY_MS = 90 * 86_400_000;

/** Replies per recordMo page, at most. */
export const MO_PAGE_SIZE = 100;
/** recordMo's longest window: "at most one month", read as the shortest month so that no window is refused. */
export const MAX_MO_WINDOW_MS = 28 * 86_400_000;
/** recordMo's earliest start (2022-07-01T00:00:00+08:00). */
export const MO_EARLIEST_MS = Date.parse('2022-07-01T00:00:00+08:00');
