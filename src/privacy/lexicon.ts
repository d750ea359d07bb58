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
