import { getCountry } from 'countries-and-timezones';
import { countryOf } from '../recipient/country';

/**
 * The time zones a recipient's local time is judged in: its own zone, else the campaign's, else every zone of the
 * country its number belongs to (recipient/country.ts). A country with several zones gives them all: the send
 * window must then be open in each of them.
 */
export function recipientZones(number: string, own?: string, campaignZone?: string): string[] | null {
  if (own) return [own];
  if (campaignZone) return [campaignZone];
  return countryZones(number);
}

export function countryZones(number: string): string[] | null {
  const country = countryOf(number);
  const zones = country ? getCountry(country)?.timezones : undefined;
  return zones && zones.length > 0 ? [...zones] : null;
}
