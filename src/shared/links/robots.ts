/**
 * Who fetched a link: a person, or a robot. Messaging apps fetch a link to draw its preview card (WhatsApp,
 * Telegram, iMessage's `facebookexternalhit`/`Twitterbot`, Slack, Discord, Skype and Teams, Viber, Snapchat,
 * LinkedIn), mail and security scanners fetch it to check it (BingPreview, headless browsers, HTTP libraries), and
 * search engines crawl it. None of those is a recipient's click. `isbot` keeps the list of their user agents (over
 * a thousand patterns, updated as new ones appear), which a list of our own would only trail; a request with no
 * user agent at all is a robot too, since every browser sends one.
 */
import { isbot } from 'isbot';

/** Longest user agent looked at: a longer one is a robot (no browser sends one), and its length bounds the match. */
const MAX_USER_AGENT = 1_024;

export function isRobot(userAgent: string | undefined): boolean {
  if (!userAgent || userAgent.length > MAX_USER_AGENT) return true;
  return isbot(userAgent);
}
