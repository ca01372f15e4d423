/**
 * Word lists for the example people. Names are deliberately international (accents, ß, ø,
 * apostrophes, particles, Vietnamese and Chinese names) because that is where name matching
 * breaks. All invented combinations; any resemblance to a real person is chance.
 */

export type Country = 'US' | 'CA' | 'GB' | 'IE' | 'DE' | 'FR' | 'ES' | 'NL';

export interface CountryInfo {
  weight: number;
  currency: 'USD' | 'CAD' | 'GBP' | 'EUR';
  zone: string;
  locale: string;
  cities: readonly string[];
  first: readonly string[];
  last: readonly string[];
  /** Free email providers popular there, besides the global ones. */
  providers: readonly string[];
  /** How the CRM's free-text country field spells it, with weights. */
  spellings: Readonly<Record<string, number>>;
}

const GLOBAL_FIRST = ['Wei', 'Mei', 'Priya', 'Arjun', 'Fatima', 'Mohammed', 'Yuki', 'Ana', 'Łukasz', 'Søren', 'Åsa', 'Zoë', 'Nguyễn Minh'];
const GLOBAL_LAST = ['Nguyen', 'Chen', 'Patel', 'Kim', 'Kowalski', 'Wójcik', 'Yılmaz', 'Øvergaard', 'Li', 'Singh'];

export const COUNTRIES: Readonly<Record<Country, CountryInfo>> = {
  US: {
    weight: 45,
    currency: 'USD',
    zone: 'America/New_York',
    locale: 'en-US',
    cities: ['New York', 'San Francisco', 'Chicago', 'Boston', 'Seattle', 'Denver', 'Austin', 'Atlanta', 'Miami', 'Los Angeles'],
    first: ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Christopher', 'Karen', 'Daniel', 'Nancy', 'Matthew', 'Lisa', 'Anthony', 'Margaret', 'José', 'María', 'Luis', 'Sofía', 'DeShawn', 'Aaliyah', 'Katherine', 'Jonathan'],
    last: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodríguez', 'Martinez', 'Hernández', 'Lopez', 'Wilson', 'Anderson', 'Taylor', 'Moore', 'Jackson', 'Lee', 'Thompson', 'White', 'Harris', 'Clark', "O'Brien", 'McDonald', 'Washington', 'Van Buren'],
    providers: ['yahoo.com', 'aol.com', 'comcast.net'],
    spellings: { US: 30, USA: 25, 'United States': 20, 'U.S.': 5, 'United States of America': 5, usa: 5, us: 3 },
  },
  CA: {
    weight: 8,
    currency: 'CAD',
    zone: 'America/Toronto',
    locale: 'en-CA',
    cities: ['Toronto', 'Vancouver', 'Montréal', 'Calgary', 'Ottawa', 'Halifax'],
    first: ['Liam', 'Olivia', 'Noah', 'Emma', 'Émilie', 'Mathieu', 'Chloé', 'Félix', 'Benjamin', 'Charlotte', 'Ethan', 'Ava'],
    last: ['Tremblay', 'Gagnon', 'Roy', 'Côté', 'Bouchard', 'Gauthier', 'Morin', 'Lavoie', 'Fortin', 'Smith', 'MacDonald', 'Campbell'],
    providers: ['rogers.com', 'shaw.ca', 'videotron.ca'],
    spellings: { CA: 40, Canada: 50, CAN: 10 },
  },
  GB: {
    weight: 15,
    currency: 'GBP',
    zone: 'Europe/London',
    locale: 'en-GB',
    cities: ['London', 'Manchester', 'Birmingham', 'Leeds', 'Glasgow', 'Edinburgh', 'Bristol', 'Cardiff'],
    first: ['Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Ava', 'Jack', 'Olivia', 'Charlie', 'Emily', 'Siobhan', 'Rhys', 'Callum', 'Eilidh', 'Alexander', 'Elizabeth'],
    last: ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Davies', 'Evans', 'Thomas', 'Roberts', "O'Connor", 'MacLeod', 'Ahmed', 'Khan', 'Hughes', 'Wright', 'Walker', 'Ffrench'],
    providers: ['btinternet.com', 'sky.com', 'hotmail.co.uk', 'yahoo.co.uk'],
    spellings: { UK: 35, GB: 15, 'United Kingdom': 25, England: 10, 'Great Britain': 5, GBR: 5, 'U.K.': 5 },
  },
  IE: {
    weight: 4,
    currency: 'EUR',
    zone: 'Europe/Dublin',
    locale: 'en-IE',
    cities: ['Dublin', 'Cork', 'Galway', 'Limerick'],
    first: ['Seán', 'Aoife', 'Niamh', 'Ciarán', 'Róisín', 'Oisín', 'Saoirse', 'Pádraig', 'Conor', 'Aisling'],
    last: ['Murphy', 'Kelly', "O'Sullivan", 'Walsh', 'Byrne', 'Ryan', "O'Connor", 'Ó Briain', 'McCarthy', 'Doyle'],
    providers: ['eircom.net'],
    spellings: { IE: 40, Ireland: 45, Éire: 5, IRL: 10 },
  },
  DE: {
    weight: 12,
    currency: 'EUR',
    zone: 'Europe/Berlin',
    locale: 'de-DE',
    cities: ['Berlin', 'München', 'Hamburg', 'Köln', 'Frankfurt am Main', 'Düsseldorf', 'Stuttgart', 'Leipzig'],
    first: ['Lukas', 'Leon', 'Finn', 'Jonas', 'Emma', 'Mia', 'Hannah', 'Sophie', 'Jürgen', 'Jörg', 'Günter', 'Käthe', 'Björn', 'Anja', 'Franziska', 'Johannes'],
    last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Schäfer', 'Koch', 'Richter', 'Schröder', 'Krüger', 'Weiß', 'Öztürk', 'von Bülow'],
    providers: ['web.de', 'gmx.de', 't-online.de'],
    spellings: { DE: 35, Deutschland: 25, Germany: 30, DEU: 5, germany: 5 },
  },
  FR: {
    weight: 9,
    currency: 'EUR',
    zone: 'Europe/Paris',
    locale: 'fr-FR',
    cities: ['Paris', 'Lyon', 'Marseille', 'Toulouse', 'Nantes', 'Lille', 'Bordeaux'],
    first: ['Louis', 'Gabriel', 'Léo', 'Raphaël', 'Jules', 'Chloé', 'Léa', 'Manon', 'Inès', 'Camille', 'Hélène', 'François', 'Jérôme', 'Amélie', 'Anaïs', 'Jean-Luc'],
    last: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Lefèvre', 'Girard', 'Dupont', 'Fontaine', 'Guérin', "D'Artagnan"],
    providers: ['orange.fr', 'free.fr', 'laposte.net'],
    spellings: { FR: 40, France: 50, FRA: 5, france: 5 },
  },
  ES: {
    weight: 4,
    currency: 'EUR',
    zone: 'Europe/Madrid',
    locale: 'es-ES',
    cities: ['Madrid', 'Barcelona', 'Valencia', 'Sevilla', 'Bilbao'],
    first: ['Hugo', 'Lucía', 'Martín', 'Sofía', 'Mateo', 'Paula', 'José', 'María', 'Álvaro', 'Nuria'],
    last: ['García', 'Fernández', 'González', 'Rodríguez', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Núñez', 'Muñoz', 'de la Peña'],
    providers: ['telefonica.net'],
    spellings: { ES: 40, Spain: 35, España: 20, ESP: 5 },
  },
  NL: {
    weight: 3,
    currency: 'EUR',
    zone: 'Europe/Amsterdam',
    locale: 'nl-NL',
    cities: ['Amsterdam', 'Rotterdam', 'Utrecht', 'Den Haag', 'Eindhoven'],
    first: ['Daan', 'Sem', 'Emma', 'Julia', 'Lotte', 'Bram', 'Sanne', 'Thijs', 'Femke', 'Joost'],
    last: ['de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer'],
    providers: ['ziggo.nl', 'kpnmail.nl'],
    spellings: { NL: 40, Netherlands: 30, Holland: 10, 'The Netherlands': 10, Nederland: 10 },
  },
};

export const GLOBAL_NAMES = { first: GLOBAL_FIRST, last: GLOBAL_LAST };

export const GLOBAL_PROVIDERS: Readonly<Record<string, number>> = {
  'gmail.com': 42,
  'outlook.com': 8,
  'hotmail.com': 7,
  'icloud.com': 6,
  'yahoo.com': 5,
  'proton.me': 2,
};

/** Made-up employers for work addresses. */
export const WORK_DOMAINS = ['northwind-traders.com', 'contoso-retail.com', 'fabrikam.io', 'tailspin-toys.com', 'lakeshore-health.org', 'bluepeak.co', 'orbital-logistics.de', 'maison-verte.fr'];

/** Domain typos people really make; each is a valid but different address. */
export const DOMAIN_TYPOS: Readonly<Record<string, string>> = {
  'gmail.com': 'gmial.com',
  'hotmail.com': 'hotmial.com',
  'yahoo.com': 'yaho.com',
  'outlook.com': 'outlok.com',
  'icloud.com': 'iclod.com',
};

export const NICKNAMES: Readonly<Record<string, string>> = {
  William: 'Bill',
  Robert: 'Bob',
  Elizabeth: 'Liz',
  Katherine: 'Kate',
  Michael: 'Mike',
  James: 'Jim',
  Jennifer: 'Jen',
  Christopher: 'Chris',
  Daniel: 'Dan',
  Matthew: 'Matt',
  Thomas: 'Tom',
  Joseph: 'Joe',
  Margaret: 'Maggie',
  Richard: 'Rick',
  Anthony: 'Tony',
  Patricia: 'Trish',
  Susan: 'Sue',
  Jessica: 'Jess',
  Alexander: 'Alex',
  Benjamin: 'Ben',
  Jonathan: 'Jon',
  Johannes: 'Hannes',
  Franziska: 'Franzi',
};
