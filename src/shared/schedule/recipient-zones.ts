import { getCountry } from 'countries-and-timezones';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import metadata from 'libphonenumber-js/metadata.min.json';

/**
 * The time zones a recipient's local time is judged in: its own zone, else the campaign's, else every zone of the
 * country its number belongs to (by calling code and leading digits, libphonenumber's metadata; a number the
 * metadata cannot place goes to its calling code's main country). A country with several zones gives them all:
 * the send window must then be open in each of them.
 */
export function recipientZones(number: string, own?: string, campaignZone?: string): string[] | null {
  if (own) return [own];
  if (campaignZone) return [campaignZone];
  return countryZones(number);
}

/** Numbers of one country share their first digits: countries are looked up once per 6-digit prefix. */
const byPrefix = new Map<string, string[] | null>();
const PREFIX_DIGITS = 6;

export function countryZones(number: string): string[] | null {
  const prefix = number.slice(0, PREFIX_DIGITS);
  let zones = byPrefix.get(prefix);
  if (zones === undefined) {
    zones = lookUp(number);
    byPrefix.set(prefix, zones);
  }
  return zones;
}

function lookUp(number: string): string[] | null {
  const parsed = parsePhoneNumberFromString(`+${number}`);
  const country = parsed?.country ?? (parsed ? mainCountry(parsed.countryCallingCode) : undefined);
  const zones = country ? getCountry(country)?.timezones : undefined;
  return zones && zones.length > 0 ? [...zones] : null;
}

function mainCountry(callingCode: string): string | undefined {
  return (metadata as { country_calling_codes: Record<string, string[]> }).country_calling_codes[callingCode]?.[0];
}
