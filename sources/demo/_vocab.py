"""Synthetic vocabularies: names, companies, geography, picklists. No real people or companies."""

from __future__ import annotations

import numpy as np

from ._common import CAD, EUR, GBP, USD

FIRST_NAMES = tuple(
    (
        "Avery Blake Casey Dana Emery Finley Gray Harper Indra Jules Kai Lane Morgan Noor Oakley "
        "Parker Quinn Reese Sage Tatum Umi Vale Wren Xan Yael Zion Ari Bryn Cleo Devi Elio Fern "
        "Gil Hana Ivo Jin Kira Lior Mika Nils Odile Pia Rafe Suri"
    ).split()
)
LAST_NAMES = tuple(
    (
        "Abbot|Brightwater|Calloway|Dunmore|Ellery|Fairbanks|Galloway|Hartwell|Ingram|Jessup|"
        "Kestrel|Lockhart|Merriweather|Northcott|Oakhurst|Pemberton|Quartermain|Ravensworth|"
        "Stillwater|Thornbury|Underhill|Vantongeren|Whitlock|Yarborough|Zellweger|Ashdown|"
        "Birchall|Coldwell|Dewhurst|Eastwood|Fenwick|Greenhalgh|Holloway|Illingworth|Juniper|"
        "Kettering|O'Malley-Brandt|de la Fontaine"
    ).split("|")
)
COMPANY_HEADS = tuple(
    (
        "Northwind|Bluefin|Cedarline|Driftwood|Emberly|Foxglove|Granite Peak|Harborview|Ironbark|"
        "Juniper Hill|Kestrel|Lumen|Meridian|Nimbus|Orchard|Pinecrest|Quarry|Riverstone|"
        "Silverleaf|Tidewater|Umber|Vantage Point|Willowmere|Yellowstone Valley|Zephyr|Alder|"
        "Brightside|Copperfield|Dunmore|Evergreen|Fjordlight|Goldcrest|Highgate|Islay|Jadestone|"
        "Kingsbridge"
    ).split("|")
)
COMPANY_TAILS = tuple(
    (
        "Analytics Logistics Foods Systems Health Robotics Energy Retail Bank Insurance Labs "
        "Manufacturing Media Pharma Software Telecom Travel Capital Biotech Freight"
    ).split()
)
COMPANY_SUFFIXES = ("Inc.", "LLC", "Ltd", "GmbH", "S.A.", "Group", "", "", ", Inc.", "& Co.")
INDUSTRIES = tuple(
    (
        "Technology|Financial Services|Healthcare|Manufacturing|Retail|Media|Energy|"
        "Transportation|Education|Telecommunications"
    ).split("|")
)
PRODUCTS = (
    "Platform",
    "Analytics Add-on",
    "Enterprise Suite",
    "Data Connectors",
    "Premium Support",
    'Insights "Pro"',
    "Team Plan",
    "Onboarding, Training & Setup",
)
TITLES = tuple(
    (
        "VP Sales|Head of Revenue Operations|CFO|Director of Marketing|IT Manager|"
        "Chief Data Officer|Procurement Lead|Operations Manager|CEO|Analyst"
    ).split("|")
)

# Territories: (name, developer name, parent index or -1, type 0=region 1=area, weight).
TERRITORIES = (
    ("Americas", "Americas", -1, 0, 0.0),
    ("EMEA", "EMEA", -1, 0, 0.0),
    ("APAC", "APAC", -1, 0, 0.0),
    ("NA East", "NA_East", 0, 1, 0.26),
    ("NA West", "NA_West", 0, 1, 0.22),
    ("LATAM", "LATAM", 0, 1, 0.07),
    ("UK & Ireland", "UK_Ireland", 1, 1, 0.13),
    ("DACH", "DACH", 1, 1, 0.12),
    ("Southern Europe", "Southern_Europe", 1, 1, 0.09),
    ("ANZ", "ANZ", 2, 1, 0.06),
    ("Asia", "Asia", 2, 1, 0.05),
)
LEAF_TERRITORIES = np.array([i for i, t in enumerate(TERRITORIES) if t[3] == 1])
# Per territory: deal-size factor (index by territory).
TERRITORY_SIZE = np.array([1, 1, 1, 1.15, 1.2, 0.7, 1.0, 1.05, 0.85, 0.9, 0.8])

# Countries: (name, territory index, currency, weight, states).
COUNTRIES = (
    ("United States", 3, USD, 0.20, ("NY", "MA", "GA", "FL", "PA", "NC")),
    ("United States", 4, USD, 0.19, ("CA", "WA", "TX", "CO", "OR", "AZ")),
    ("Canada", 3, CAD, 0.04, ("ON", "QC")),
    ("Canada", 4, CAD, 0.03, ("BC", "AB")),
    ("Brazil", 5, USD, 0.04, ()),
    ("Mexico", 5, USD, 0.03, ()),
    ("United Kingdom", 6, GBP, 0.11, ()),
    ("Ireland", 6, EUR, 0.02, ()),
    ("Germany", 7, EUR, 0.08, ()),
    ("Austria", 7, EUR, 0.02, ()),
    ("Switzerland", 7, EUR, 0.02, ()),
    ("France", 8, EUR, 0.05, ()),
    ("Spain", 8, EUR, 0.03, ()),
    ("Italy", 8, EUR, 0.02, ()),
    ("Australia", 9, USD, 0.05, ()),
    ("New Zealand", 9, USD, 0.01, ()),
    ("Singapore", 10, USD, 0.03, ()),
    ("Japan", 10, USD, 0.03, ()),
)
COUNTRY_WEIGHTS = np.array([c[3] for c in COUNTRIES]) / sum(c[3] for c in COUNTRIES)
COUNTRY_TERRITORY = np.array([c[1] for c in COUNTRIES])
COUNTRY_CURRENCY = np.array([c[2] for c in COUNTRIES])

# Opportunity stages: Salesforce's defaults. (name, probability, closed, won, forecast category)
STAGES = (
    ("Prospecting", 10, False, False, "Pipeline"),
    ("Qualification", 10, False, False, "Pipeline"),
    ("Needs Analysis", 20, False, False, "Pipeline"),
    ("Value Proposition", 50, False, False, "Pipeline"),
    ("Id. Decision Makers", 60, False, False, "Pipeline"),
    ("Perception Analysis", 70, False, False, "Best Case"),
    ("Proposal/Price Quote", 75, False, False, "Best Case"),
    ("Negotiation/Review", 90, False, False, "Commit"),
    ("Closed Won", 100, True, True, "Closed"),
    ("Closed Lost", 0, True, False, "Omitted"),
)
STAGE_NAMES = tuple(s[0] for s in STAGES)
STAGE_PROBABILITY = np.array([s[1] for s in STAGES])
STAGE_CLOSED = np.array([s[2] for s in STAGES])
STAGE_WON = np.array([s[3] for s in STAGES])
FORECAST_CATEGORIES = ("Pipeline", "Best Case", "Commit", "Closed", "Omitted")
STAGE_FORECAST = np.array([FORECAST_CATEGORIES.index(s[4]) for s in STAGES])
N_OPEN_STAGES = 8
WON, LOST = 8, 9

OPPORTUNITY_TYPES = ("New Business", "Existing Business", "Renewal")
NEW_BUSINESS, EXISTING_BUSINESS, RENEWAL = range(3)

# Lead sources: (name, share of leads, conversion propensity, inbound, campaign channel)
LEAD_SOURCES = (
    ("Web", 0.27, 0.10, True, ""),
    ("Paid Search", 0.20, 0.08, True, "search"),
    ("Social", 0.14, 0.05, True, "social"),
    ("Partner", 0.06, 0.22, False, ""),
    ("Event", 0.08, 0.12, True, "event"),
    ("Outbound", 0.15, 0.09, False, ""),
    ("Referral", 0.04, 0.30, False, ""),
    ("Webinar", 0.06, 0.10, True, "webinar"),
)
SOURCE_NAMES = tuple(s[0] for s in LEAD_SOURCES)
SOURCE_SHARE = np.array([s[1] for s in LEAD_SOURCES]) / sum(s[1] for s in LEAD_SOURCES)
SOURCE_CONVERSION = np.array([s[2] for s in LEAD_SOURCES])
SOURCE_INBOUND = np.array([s[3] for s in LEAD_SOURCES])
SOURCE_CHANNEL = tuple(s[4] for s in LEAD_SOURCES)
# Win-rate factor of deals by source (index by source; last = no source).
SOURCE_WIN = np.array([1.0, 0.9, 0.8, 1.3, 1.1, 0.8, 1.4, 1.0, 0.9])
PARTNER, OUTBOUND, REFERRAL = 3, 5, 6

LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)

# Seasonality of activity by calendar month (summer dip, December slowdown).
MONTH_SEASON = np.array([0.95, 1.0, 1.1, 1.05, 1.0, 0.95, 0.75, 0.7, 1.05, 1.1, 1.05, 0.85])


def company_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Synthetic company names; a few carry commas, ampersands or quotes."""
    head = np.array(COMPANY_HEADS)[rng.integers(0, len(COMPANY_HEADS), n)]
    tail = np.array(COMPANY_TAILS)[rng.integers(0, len(COMPANY_TAILS), n)]
    suffix = np.array(COMPANY_SUFFIXES)[rng.integers(0, len(COMPANY_SUFFIXES), n)]
    name = np.char.add(np.char.add(head, " "), tail)
    spaced = np.char.add(np.where(np.char.startswith(suffix, ","), "", " "), suffix)
    name = np.where(suffix == "", name, np.char.add(name, spaced))
    quoted = rng.random(n) < 0.02
    name = np.where(quoted, np.char.add(np.char.add('The "', head), '" Company'), name)
    return name.astype(object)


def person_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    first = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.array(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), n)]
    return first, last


def emails(first: np.ndarray, last: np.ndarray, serial: np.ndarray, domain: str) -> np.ndarray:
    """first.last<serial>@<domain>, lower case, letters only."""
    local = _slug(first) + "." + _slug(last) + serial.astype(str).astype(object)
    return (local + "@" + domain).astype(object)


def _slug(names: np.ndarray) -> np.ndarray:
    """Lower case, without spaces, apostrophes or hyphens."""
    cleaned = np.char.lower(
        np.char.replace(np.char.replace(np.char.replace(names.astype(str), "'", ""), " ", ""), "-", "")
    )
    return cleaned.astype(object)


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Fictional numbers (555-01xx is reserved for fiction)."""
    return np.char.add("+1-555-01", np.char.zfill(rng.integers(0, 100, n).astype(str), 2)).astype(object)
