import { parsePhoneNumberFromString } from 'libphonenumber-js';
import metadata from 'libphonenumber-js/metadata.min.json';

/** Numbers of one country share their first digits: countries are looked up once per 6-digit prefix. */
const byPrefix = new Map<string, string | null>();
const PREFIX_DIGITS = 6;
/** Prefixes are few (countries × leading digits); the bound only keeps a hostile list from growing the cache. */
const MAX_CACHED = 100_000;

/**
 * The ISO 3166 alpha-2 country a number (digits, calling code first) belongs to, by libphonenumber's metadata; a
 * number the metadata cannot place goes to its calling code's main country. Null when even that is unknown.
 */
export function countryOf(number: string): string | null {
  const prefix = number.slice(0, PREFIX_DIGITS);
  let country = byPrefix.get(prefix);
  if (country === undefined) {
    country = lookUp(number);
    if (byPrefix.size < MAX_CACHED) byPrefix.set(prefix, country);
  }
  return country;
}

function lookUp(number: string): string | null {
  const parsed = parsePhoneNumberFromString(`+${number}`);
  return parsed?.country ?? (parsed ? mainCountry(parsed.countryCallingCode) : undefined) ?? null;
}

function mainCountry(callingCode: string): string | undefined {
  return (metadata as { country_calling_codes: Record<string, string[]> }).country_calling_codes[callingCode]?.[0];
}
