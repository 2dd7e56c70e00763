/** The documented limits of the gateway's query endpoints, shared by the client and the simulator. */

/** msgIds per getReport call. */
export const MAX_REPORT_MSG_IDS = 200;
/** Rows per getSentRcd answer; a full page means: ask again from startIndex + this. */
export const SENT_RCD_PAGE_ROWS = 50_000;
/** getSentRcd's longest window. */
export const MAX_SENT_RCD_WINDOW_MS = 31 * 86_400_000;
/** How far back getSentRcd's window may start. */
export const SENT_RCD_HISTORY_MS = 90 * 86_400_000;
