"""Demo data for the directory: a few made-up local services and the ZIP codes around them.

Names, addresses and phone numbers are invented (555 numbers); coordinates are near real towns so
distance search behaves plausibly. The two national lines are the real public numbers.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from detoxdesk.directory import actions
from detoxdesk.directory.models import Place

if TYPE_CHECKING:
    from detoxdesk.patients.demo import DemoContext

PLACES = (
    ("02108", "Boston", "42.357600", "-71.063700"),
    ("02139", "Cambridge", "42.364700", "-71.104200"),
    ("02301", "Brockton", "42.083400", "-71.018400"),
    ("01608", "Worcester", "42.262600", "-71.802300"),
)

RESOURCES: tuple[dict[str, Any], ...] = (
    {
        "name": "Harborview Opioid Treatment Program",
        "kind": "opioid_treatment_program",
        "address_line": "120 Dock Street",
        "city": "Boston",
        "region": "MA",
        "postcode": "02108",
        "latitude": "42.359100",
        "longitude": "-71.058900",
        "phone": "617-555-0140",
        "hours": "Mon-Fri 6:00-14:00; Sat-Sun 7:00-11:00",
        "services": "methadone; buprenorphine; counseling",
        "languages": "English; Spanish",
        "payment": "Medicaid; Medicare; sliding scale",
    },
    {
        "name": "Riverside Family Medicine (buprenorphine)",
        "kind": "buprenorphine_prescriber",
        "address_line": "45 Elm Avenue",
        "city": "Cambridge",
        "region": "MA",
        "postcode": "02139",
        "latitude": "42.366000",
        "longitude": "-71.101000",
        "phone": "617-555-0177",
        "hours": "Mon-Thu 8:00-18:00",
        "services": "buprenorphine; naltrexone; primary care",
        "languages": "English; Portuguese",
        "payment": "Medicaid; private insurance",
    },
    {
        "name": "Tuesday Night NA, St. Mark's Hall",
        "kind": "mutual_help",
        "address_line": "8 Church Lane",
        "city": "Brockton",
        "region": "MA",
        "postcode": "02301",
        "latitude": "42.084500",
        "longitude": "-71.019900",
        "hours": "Tuesdays 19:00-20:00",
        "services": "narcotics anonymous",
        "languages": "English",
        "payment": "free",
    },
    {
        "name": "SMART Recovery Online Meeting",
        "kind": "mutual_help",
        "hours": "Daily 12:00 and 20:00",
        "services": "smart recovery; online",
        "languages": "English",
        "payment": "free",
        "website": "https://www.smartrecovery.org/",
    },
    {
        "name": "Second Step Sober House",
        "kind": "sober_living",
        "address_line": "300 Grove Street",
        "city": "Worcester",
        "region": "MA",
        "postcode": "01608",
        "latitude": "42.270000",
        "longitude": "-71.800000",
        "phone": "508-555-0122",
        "services": "sober living; moud friendly",
        "languages": "English",
        "payment": "self-pay",
        "accepting_new_patients": False,
    },
    {
        "name": "Bridge Peer Recovery Center",
        "kind": "peer_support",
        "address_line": "77 Summer Street",
        "city": "Boston",
        "region": "MA",
        "postcode": "02108",
        "latitude": "42.355000",
        "longitude": "-71.060000",
        "phone": "617-555-0191",
        "hours": "Mon-Sat 10:00-18:00",
        "services": "peer recovery coaching; naloxone; all recovery meetings",
        "languages": "English; Spanish; Haitian Creole",
        "payment": "free",
    },
    {
        "name": "SAMHSA National Helpline",
        "kind": "hotline",
        "phone": "1-800-662-4357",
        "hours": "24/7",
        "services": "treatment referral; information",
        "languages": "English; Spanish",
        "payment": "free",
    },
)


def load(demo: DemoContext) -> None:
    """Places for distance search, then resources added and verified by the demo coordinator."""
    Place.objects.bulk_create(
        Place(code=c, name=n, latitude=Decimal(lat), longitude=Decimal(lon))
        for c, n, lat, lon in PLACES
    )
    coordinator = demo.users["coordinator"]
    for index, values in enumerate(RESOURCES):
        resource = actions.do_create_resource(
            acting_user=coordinator, values={"accepting_new_patients": True, **values}
        )
        if index % 3 != 2:  # leave a few unverified, as in real life
            actions.do_verify_resource(
                resource,
                acting_user=coordinator,
                verified_on=(demo.now - timedelta(days=7 * (index + 1))).date(),
            )
