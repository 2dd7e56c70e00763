/**
 * SMS_PRICES_FILE: prices per country, CSV `country,price,currency` (a header line is allowed), `country` being an
 * ISO 3166 code (`GB`) or a calling code (`44`). A number's country comes from its calling code through
 * libphonenumber-js (Google's metadata, kept current by its maintainers): its exact country when the number is
 * valid, else the first country of its calling code (`+44 7700 900…`, a range reserved for drama, is GB); a row
 * given by calling code matches every country that shares it.
 */
import { readFile } from 'node:fs/promises';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { toMicros } from '../shared/delivery/money';
import { SmsqError } from '../shared/errors';
import type { Price, Pricer } from './pricing';

/** Leading digits that decide the country (NANP needs 1 + area code); numbers sharing them share the lookup. */
const COUNTRY_PREFIX_DIGITS = 6;

export async function loadPricesFile(path: string): Promise<Pricer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SmsqError('CONFIG_INVALID', `SMS_PRICES_FILE=${path} cannot be read: ${(err as Error).message}`);
  }
  const prices = parsePrices(path, text);
  const cache = new Map<string, Price | null>();
  return {
    source: `SMS_PRICES_FILE (${path})`,
    price(number) {
      const prefix = number.slice(0, COUNTRY_PREFIX_DIGITS);
      let price = cache.get(prefix);
      if (price === undefined) {
        price = lookup(prices, number);
        // Only prefixes that fully decide the country are cached; a short number is looked up each time.
        if (number.length > COUNTRY_PREFIX_DIGITS) cache.set(prefix, price);
      }
      return price;
    },
  };
}

function lookup(prices: Map<string, Price>, number: string): Price | null {
  const parsed = parsePhoneNumberFromString(`+${number}`);
  if (!parsed) return null;
  const country = parsed.country ?? parsed.getPossibleCountries()[0];
  return (country && prices.get(country)) || prices.get(parsed.countryCallingCode) || null;
}

function parsePrices(path: string, text: string): Map<string, Price> {
  const prices = new Map<string, Price>();
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '' || line.trim().startsWith('#')) return;
      const [country = '', price = '', currency = ''] = line.split(',').map((f) => f.trim());
      const micros = toMicros(price);
      if (i === 0 && micros === null) return; // a header
      const problem = !/^([A-Za-z]{2}|\d{1,4})$/.test(country)
        ? `country "${country}" is neither an ISO code such as GB nor a calling code such as 44`
        : micros === null
          ? `price "${price}" is not a decimal number`
          : !/^[A-Za-z]{1,8}$/.test(currency)
            ? `currency "${currency}" is not a code such as USD`
            : null;
      // A null price always has its problem: the check is only for the compiler.
      if (problem || micros === null) throw new SmsqError('CONFIG_INVALID', `SMS_PRICES_FILE=${path}, line ${i + 1}: ${problem}`);
      prices.set(country.toUpperCase(), { micros, currency: currency.toUpperCase() });
    });
  return prices;
}
