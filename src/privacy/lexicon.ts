import type { PiiType } from './types.js';

/**
 * Word lists the detectors read: spoken numbers and ordinals, months, street suffixes, e-mail
 * domain words, the quantity nouns that make a number "not PII" ("45 minutes", "250 dollars"),
 * and the common English words that end a name. Data only; no logic beyond lookups.
 */

/** Spoken digits. "oh" and "o" are zero in digit strings ("three oh three"). */
export const UNIT_WORDS: ReadonlyMap<string, number> = new Map([
  ['zero', 0], ['oh', 0], ['o', 0], ['nought', 0], ['naught', 0], ['nil', 0],
  ['one', 1], ['two', 2], ['three', 3], ['four', 4], ['five', 5],
  ['six', 6], ['seven', 7], ['eight', 8], ['nine', 9],
]);

export const TEEN_WORDS: ReadonlyMap<string, number> = new Map([
  ['ten', 10], ['eleven', 11], ['twelve', 12], ['thirteen', 13], ['fourteen', 14], ['fifteen', 15],
  ['sixteen', 16], ['seventeen', 17], ['eighteen', 18], ['nineteen', 19],
]);

export const TENS_WORDS: ReadonlyMap<string, number> = new Map([
  ['twenty', 20], ['thirty', 30], ['forty', 40], ['fourty', 40], ['fifty', 50], ['sixty', 60],
  ['seventy', 70], ['eighty', 80], ['ninety', 90],
]);

export const REPEAT_WORDS: ReadonlyMap<string, number> = new Map([['double', 2], ['triple', 3], ['treble', 3]]);

export const ORDINAL_WORDS: ReadonlyMap<string, number> = new Map([
  ['first', 1], ['second', 2], ['third', 3], ['fourth', 4], ['fifth', 5], ['sixth', 6], ['seventh', 7],
  ['eighth', 8], ['ninth', 9], ['tenth', 10], ['eleventh', 11], ['twelfth', 12], ['thirteenth', 13],
  ['fourteenth', 14], ['fifteenth', 15], ['sixteenth', 16], ['seventeenth', 17], ['eighteenth', 18],
  ['nineteenth', 19], ['twentieth', 20], ['thirtieth', 30],
]);

export const MONTHS: ReadonlyMap<string, number> = new Map([
  ['january', 1], ['jan', 1], ['february', 2], ['feb', 2], ['march', 3], ['mar', 3], ['april', 4], ['apr', 4],
  ['may', 5], ['june', 6], ['jun', 6], ['july', 7], ['jul', 7], ['august', 8], ['aug', 8],
  ['september', 9], ['sept', 9], ['sep', 9], ['october', 10], ['oct', 10], ['november', 11], ['nov', 11],
  ['december', 12], ['dec', 12],
]);

export const STREET_SUFFIXES: ReadonlySet<string> = new Set([
  'street', 'st', 'road', 'rd', 'avenue', 'ave', 'av', 'boulevard', 'blvd', 'lane', 'ln', 'drive', 'dr',
  'court', 'ct', 'terrace', 'ter', 'place', 'pl', 'way', 'crescent', 'cres', 'close', 'circle', 'cir',
  'parkway', 'pkwy', 'highway', 'hwy', 'square', 'sq', 'row', 'gardens', 'walk', 'grove', 'trail', 'trl',
  'pike', 'alley', 'mews', 'hill', 'heights', 'loop', 'path', 'plaza', 'run', 'view', 'rise', 'green',
  'park', 'wharf', 'quay', 'embankment', 'strasse', 'straße', 'rue', 'via', 'calle', 'expressway',
  'freeway', 'turnpike', 'broadway', 'point', 'ridge', 'crossing', 'landing', 'commons', 'cove',
]);

export const UNIT_DESIGNATORS: ReadonlySet<string> = new Set(['apartment', 'apt', 'unit', 'suite', 'ste', 'flat', 'floor', 'room', 'building', 'bldg', '#', 'number', 'no']);
export const DIRECTIONS: ReadonlySet<string> = new Set(['north', 'south', 'east', 'west', 'n', 's', 'e', 'w', 'ne', 'nw', 'se', 'sw', 'northeast', 'northwest', 'southeast', 'southwest']);

export const TLDS: ReadonlySet<string> = new Set([
  'com', 'org', 'net', 'edu', 'gov', 'mil', 'int', 'io', 'co', 'uk', 'us', 'ca', 'de', 'fr', 'es', 'it', 'nl',
  'be', 'ch', 'at', 'se', 'no', 'dk', 'fi', 'ie', 'pl', 'pt', 'gr', 'cz', 'hu', 'ro', 'ru', 'jp', 'cn', 'in',
  'au', 'nz', 'br', 'mx', 'ar', 'za', 'me', 'info', 'biz', 'app', 'dev', 'ai', 'tv', 'eu', 'email', 'online',
  'xyz', 'mail', 'cloud', 'tech', 'ac', 'ly', 'to',
]);
export const MAIL_PROVIDERS: ReadonlySet<string> = new Set([
  'gmail', 'googlemail', 'yahoo', 'hotmail', 'outlook', 'live', 'msn', 'aol', 'icloud', 'me', 'proton', 'protonmail',
  'gmx', 'mail', 'yandex', 'zoho', 'fastmail', 'comcast', 'verizon', 'att', 'sbcglobal', 'btinternet', 'orange',
  'free', 'web', 'libero', 'wanadoo', 'tutanota', 'hey',
]);
/** Words that join parts of a spoken e-mail address, with the character they stand for. */
export const EMAIL_JOINERS: ReadonlyMap<string, string> = new Map([
  ['dot', '.'], ['period', '.'], ['point', '.'], ['underscore', '_'], ['dash', '-'], ['hyphen', '-'], ['minus', '-'],
]);

/** Nouns that make the number before them a quantity, a time or an amount: never PII. */
export const QUANTITY_NOUNS: ReadonlySet<string> = new Set([
  'dollars', 'dollar', 'bucks', 'cents', 'cent', 'pounds', 'pound', 'quid', 'pence', 'euros', 'euro', 'yen', 'percent',
  'minutes', 'minute', 'mins', 'min', 'hours', 'hour', 'hrs', 'seconds', 'second', 'secs', 'days', 'day', 'weeks',
  'week', 'months', 'month', 'years', 'year', 'yrs', 'am', 'pm', "o'clock", 'oclock', 'items', 'item', 'times', 'miles',
  'mile', 'kilometers', 'km', 'kg', 'kilos', 'lbs', 'people', 'persons', 'adults', 'children', 'kids', 'pizzas',
  'tickets', 'bags', 'boxes', 'pieces', 'units', 'digits', 'digit', 'characters', 'letters', 'numbers', 'gigs', 'gb',
  'mb', 'tb', 'degrees', 'feet', 'foot', 'inches', 'meters', 'metres', 'liters', 'litres', 'gallons', 'nights',
  'rooms', 'seats', 'calls', 'texts', 'messages', 'lines', 'devices', 'phones', 'payments', 'installments', 'rings',
  'grand', 'k', 'thousand', 'million', 'billion', 'hundred', 'percentage', 'points', 'stars', 'floors', 'plans',
  'milligrams', 'milligram', 'mg', 'micrograms', 'mcg', 'grams', 'gram', 'ml', 'millilitres', 'milliliters', 'tablets',
  'tablet', 'pills', 'pill', 'capsules', 'spoons', 'spoonfuls', 'teaspoons', 'tablespoons', 'doses', 'drops', 'puffs', 'units',
  'inch', 'cm', 'mm', 'metre', 'meter', 'yards', 'kilometres', 'kilometre', 'mph', 'kph', 'kmh', 'bedrooms', 'bedroom', 'beds',
  'bed', 'bathrooms', 'storeys', 'stories', 'kw', 'kwh', 'watts', 'volts', 'amps', 'bars', 'percent', 'per', 'pence', 'p',
  'euros', 'cents', 'sheets', 'pages', 'copies', 'cars', 'dogs', 'cats', 'boxes', 'packs', 'bottles', 'cans', 'cups', 'glasses',
  'slices', 'orders', 'visits', 'appointments', 'sessions', 'attempts', 'tries', 'goals', 'runs', 'laps', 'episodes',
  'seasons', 'ft', 'sq', 'acres', 'hectares', 'gbp', 'usd', 'eur',
]);

/**
 * The quantity nouns that still make a long run (7+ digits) harmless: money and units of measure.
 * A count noun after a long digit string ("12345678 orders") is too weak to let it through.
 */
export const MEASURE_NOUNS: ReadonlySet<string> = new Set([
  'dollars', 'dollar', 'bucks', 'cents', 'pounds', 'quid', 'pence', 'euros', 'euro', 'yen', 'gbp', 'usd', 'eur', 'percent',
  'miles', 'mile', 'kilometers', 'kilometres', 'km', 'meters', 'metres', 'feet', 'foot', 'inches', 'yards', 'kg', 'kilos', 'lbs',
  'grams', 'milligrams', 'mg', 'liters', 'litres', 'gallons', 'ml', 'seconds', 'minutes', 'hours', 'days', 'years', 'kwh', 'watts',
  'acres', 'hectares', 'degrees', 'gb', 'mb', 'tb', 'thousand', 'million', 'billion', 'grand', 'k',
]);

/**
 * Words that do not belong to a person's name: function words, frequent verbs and discourse words.
 * A name after a strong cue ("my name is") stops at the first of these.
 */
export const COMMON_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the and or but nor so yet if then than that this these those there here where when while what which who whom whose why how ' +
    'i me my mine myself we us our ours you your yours he him his she her hers it its it\'s they them their theirs ' +
    'i\'m im i\'ve i\'ll i\'d you\'re we\'re they\'re he\'s she\'s that\'s there\'s what\'s let\'s don\'t doesn\'t didn\'t can\'t won\'t isn\'t wasn\'t ' +
    'is am are was were be been being do does did done have has had having will would shall should can could may might must ' +
    'to of in on at by for with from into onto about above below over under after before since until up down out off ' +
    'through during without within along across around near via per as like just also only even still again ever never ' +
    'not no yes yeah yep nope ok okay sure right well oh uh um uhm er erm hmm ah hi hello hey bye goodbye thanks thank please sorry ' +
    'calling call called speaking speak here there now today tomorrow yesterday tonight morning afternoon evening ' +
    'send sent give gave get got make made take took want wanted need needed like liked know knew think thought see saw ' +
    'say said tell told ask asked go going gone come coming came pay paid paying charge charged use using used live living ' +
    'check checking update change cancel order ordered book booked reach email number phone card account code pin address ' +
    'name named spelled spelt is\'s and\'s all any some many much more most less few each every other another such ' +
    'very really too quite pretty again back first last next new old good great fine bad same different own ' +
    'one two three four five six seven eight nine ten zero ' +
    'from regarding concerning because though although whether however therefore ' +
    'mr mrs ms miss dr sir madam ma\'am'
  ).split(/\s+/),
);

/** IBAN length per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
    CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
    GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
    KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27,
    MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33,
    SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
    VA: 22, VG: 24, XK: 20, YE: 30,
  }),
);

/**
 * The broad notion of a cue (see concepts.ts): words and the entity types they speak of.
 */
export type Weights = readonly (readonly [PiiType, number])[];

export const C = (type: PiiType, w: number): readonly [PiiType, number] => [type, w];

/** Words and the types they speak of. Weight 4 names the thing; 2–3 describe it; 1 hints. */
export const CONCEPTS: ReadonlyMap<string, Weights> = new Map<string, Weights>([
  // card security code: where it is printed, what it verifies
  ...['cvv', 'cvc', 'cvv2', 'cvc2', 'csc', 'cvn', 'cid'].map((w) => [w, [C('CREDIT_DEBIT_CVV', 4)]] as const),
  ['back', [C('CREDIT_DEBIT_CVV', 3)]], ['reverse', [C('CREDIT_DEBIT_CVV', 3)]], ['behind', [C('CREDIT_DEBIT_CVV', 2)]],
  ['signature', [C('CREDIT_DEBIT_CVV', 3)]], ['strip', [C('CREDIT_DEBIT_CVV', 2)]], ['panel', [C('CREDIT_DEBIT_CVV', 2)]],
  ['verification', [C('CREDIT_DEBIT_CVV', 3)]], ['verify', [C('CREDIT_DEBIT_CVV', 1), C('SSN', 1)]],
  ['security', [C('CREDIT_DEBIT_CVV', 3), C('PIN', 1)]], ['printed', [C('CREDIT_DEBIT_CVV', 2)]],
  ...['small', 'little', 'short', 'tiny'].map((w) => [w, [C('CREDIT_DEBIT_CVV', 1), C('PIN', 1)]] as const),
  // PIN: what it unlocks, that it is secret
  ...['pin', 'passcode', 'pincode', 'passnumber'].map((w) => [w, [C('PIN', 4)]] as const),
  ['password', [C('PIN', 3)]], ['secret', [C('PIN', 3)]], ['memorable', [C('PIN', 3)]], ['atm', [C('PIN', 3)]],
  ['cashpoint', [C('PIN', 3)]], ['cash', [C('PIN', 2)]], ['door', [C('PIN', 2)]], ['alarm', [C('PIN', 2)]], ['safe', [C('PIN', 1)]], ['unlock', [C('PIN', 2)]], ['login', [C('PIN', 2)]], ['keypad', [C('PIN', 2)]],
  ['voicemail', [C('PIN', 2)]], ['access', [C('PIN', 2)]], ['code', [C('PIN', 1), C('CREDIT_DEBIT_CVV', 1)]],
  ['banking', [C('PIN', 3), C('BANK_ACCOUNT_NUMBER', 1)]],
  // expiry: when the card stops working
  ...['expires', 'expiry', 'expiration', 'expire', 'expiring', 'expired', 'exp'].map((w) => [w, [C('CREDIT_DEBIT_EXPIRY', 4)]] as const),
  ['valid', [C('CREDIT_DEBIT_EXPIRY', 3)]], ['thru', [C('CREDIT_DEBIT_EXPIRY', 2)]], ['until', [C('CREDIT_DEBIT_EXPIRY', 1)]],
  ['till', [C('CREDIT_DEBIT_EXPIRY', 1)]], ['end', [C('CREDIT_DEBIT_EXPIRY', 2)]], ['ends', [C('CREDIT_DEBIT_EXPIRY', 1)]],
  ['renewed', [C('CREDIT_DEBIT_EXPIRY', 2)]], ['replacement', [C('CREDIT_DEBIT_EXPIRY', 2)]], ['month', [C('CREDIT_DEBIT_EXPIRY', 1)]],
  ['date', [C('CREDIT_DEBIT_EXPIRY', 1), C('DATE_OF_BIRTH', 1)]],
  // card number
  // a card's other fields are about the card too
  ...['card', 'visa', 'mastercard', 'amex', 'creditcard', 'debitcard', 'maestro', 'discover'].map((w) => [w, [C('CREDIT_DEBIT_NUMBER', 3), C('CREDIT_DEBIT_EXPIRY', 1), C('CREDIT_DEBIT_CVV', 1)]] as const),
  ['credit', [C('CREDIT_DEBIT_NUMBER', 2)]], ['debit', [C('CREDIT_DEBIT_NUMBER', 2)]], ['front', [C('CREDIT_DEBIT_NUMBER', 1), C('CREDIT_DEBIT_EXPIRY', 1)]],
  ['charge', [C('CREDIT_DEBIT_NUMBER', 2)]], ['pay', [C('CREDIT_DEBIT_NUMBER', 1), C('BANK_ACCOUNT_NUMBER', 1)]],
  // bank account and routing
  ...['account', 'acct', 'checking', 'savings'].map((w) => [w, [C('BANK_ACCOUNT_NUMBER', 3)]] as const),
  ['current', [C('BANK_ACCOUNT_NUMBER', 1)]], ['deposit', [C('BANK_ACCOUNT_NUMBER', 2)]], ['refund', [C('BANK_ACCOUNT_NUMBER', 1)]],
  ['statement', [C('BANK_ACCOUNT_NUMBER', 1), C('IBAN', 1)]], ['bank', [C('BANK_ACCOUNT_NUMBER', 1), C('BANK_ROUTING', 1)]],
  ...['routing', 'aba', 'transit'].map((w) => [w, [C('BANK_ROUTING', 4)]] as const),
  ['sort', [C('BANK_ROUTING', 3)]], ['wire', [C('BANK_ROUTING', 3)]], ['wires', [C('BANK_ROUTING', 3)]], ['ach', [C('BANK_ROUTING', 3)]],
  ['swift', [C('BANK_ROUTING', 2)]], ['bic', [C('BANK_ROUTING', 2)]],
  // phone
  ...['phone', 'cell', 'mobile', 'landline', 'telephone', 'cellphone', 'whatsapp', 'fax'].map((w) => [w, [C('PHONE', 4)]] as const),
  ['call', [C('PHONE', 2)]], ['reach', [C('PHONE', 2)]], ['text', [C('PHONE', 2)]], ['ring', [C('PHONE', 2)]], ['sms', [C('PHONE', 2)]],
  // social security / national identifiers
  ...['ssn', 'social', 'itin'].map((w) => [w, [C('SSN', 4)]] as const),
  ['tax', [C('SSN', 2)]], ['benefits', [C('SSN', 2)]], ['background', [C('SSN', 1)]],
  // birth
  ...['birth', 'born', 'birthday', 'dob', 'birthdate'].map((w) => [w, [C('DATE_OF_BIRTH', 4)]] as const),
  // health
  ...['mrn', 'chart'].map((w) => [w, [C('MEDICAL_RECORD_NUMBER', 4)]] as const),
  ['medical', [C('MEDICAL_RECORD_NUMBER', 3)]], ['patient', [C('MEDICAL_RECORD_NUMBER', 3)]], ['hospital', [C('MEDICAL_RECORD_NUMBER', 3)]],
  ['clinic', [C('MEDICAL_RECORD_NUMBER', 3)]], ['record', [C('MEDICAL_RECORD_NUMBER', 2)]], ['file', [C('MEDICAL_RECORD_NUMBER', 1)]],
  ...['member', 'subscriber', 'policy', 'insurance', 'insurer', 'medicare', 'medicaid', 'nhs'].map((w) => [w, [C('HEALTH_PLAN_ID', 3)]] as const),
  ['coverage', [C('HEALTH_PLAN_ID', 2)]], ['cover', [C('HEALTH_PLAN_ID', 2)]], ['dependent', [C('HEALTH_PLAN_ID', 2)]],
  ['plan', [C('HEALTH_PLAN_ID', 1)]], ['health', [C('HEALTH_PLAN_ID', 2)]], ['membership', [C('HEALTH_PLAN_ID', 2)]],
  // documents
  ['passport', [C('PASSPORT_NUMBER', 4)]], ['travel', [C('PASSPORT_NUMBER', 2)]], ['document', [C('PASSPORT_NUMBER', 2)]],
  ['esta', [C('PASSPORT_NUMBER', 2)]], ['nationality', [C('PASSPORT_NUMBER', 1)]],
  ...['license', 'licence', 'driving', 'driver', "driver's", 'drivers', 'dl', 'dvla', 'dmv', 'photocard'].map((w) => [w, [C('DRIVER_ID', 3)]] as const),
  ['rental', [C('DRIVER_ID', 2)]], ['hire', [C('DRIVER_ID', 1)]],
  ['iban', [C('IBAN', 4)]],
  // a value dictated in pieces: whatever it is, this is part of it
  ...['part', 'half', 'bit', 'rest', 'remainder', 'starts', 'begins', 'beginning', 'first', 'second', 'last', 'digits', 'numbers'].map((w) => [w, [C('NUMBER', 2)]] as const),
]);

