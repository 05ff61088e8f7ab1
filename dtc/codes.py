"""Code lists of the GB electricity market, defined once here and imported everywhere.

Each list is a read-only mapping of code -> meaning. Sources: /work/shared/DOMAIN.md.
Django apps import these (for choices, labels and validation) instead of repeating them.
"""

from types import MappingProxyType
from typing import NamedTuple


def _frozen(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


# Market role codes as they appear in flow headers (ZHV from/to role).
MARKET_ROLES = _frozen(
    {
        "X": "Supplier",
        "R": "Distributor (MPAS)",
        "M": "Meter operator (MOP)",
        "C": "Half-hourly data collector",
        "D": "Non-half-hourly data collector",
        # Not confirmed as a BSC role code: this project's letter for meter asset
        # providers (the same as accounts.roles); they send no flows to the service.
        "A": "Meter asset provider (MAP)",
        # Not a BSC role code: this project's code for the enquiry service itself, the
        # usual "to" role of the flows it receives (the same letter as accounts.roles).
        "Z": "Enquiry service operator",
    }
)

ENERGISATION_STATUSES = _frozen({"E": "Energised", "D": "De-energised"})

PROFILE_CLASSES = _frozen(
    {
        "00": "Half-hourly",
        "01": "Domestic unrestricted",
        "02": "Domestic economy",
        "03": "Non-domestic unrestricted",
        "04": "Non-domestic economy 7",
        "05": "Non-domestic maximum demand, load factor up to 20%",
        "06": "Non-domestic maximum demand, load factor 20% to 30%",
        "07": "Non-domestic maximum demand, load factor 30% to 40%",
        "08": "Non-domestic maximum demand, load factor over 40%",
    }
)

MEASUREMENT_CLASSES = _frozen(
    {
        "A": "Non-half-hourly metered",
        "B": "Non-half-hourly unmetered",
        "C": "Half-hourly, 100 kW and above",
        "D": "Half-hourly unmetered",
        "E": "Half-hourly, below 100 kW, CT metered",
        "F": "Half-hourly, below 100 kW, domestic",
        "G": "Half-hourly, below 100 kW, whole-current non-domestic",
    }
)

# The valid meter type codes (J0483). DOMAIN.md lists the codes without meanings; the
# SMETS2 variants are described by their family until the catalogue's texts are loaded.
METER_TYPES = _frozen(
    {
        "CHECK": "Check meter",
        "H": "Half-hourly",
        "K": "Key prepayment",
        "LAG_": "Lagging reactive",
        "LEAD_": "Leading reactive",
        "MAIN_": "Main meter",
        "N": "Non-half-hourly",
        "NCAMR": "Non-remotely configurable AMR",
        "NSS": "Non-SMETS smart-type",
        "RCAMR": "Remotely configurable AMR",
        "RCAMY": "Remotely configurable AMR with remote disablement",
        "S": "Smartcard prepayment",
        "S1": "SMETS1 smart meter",
        **{
            code: f"SMETS2 smart meter, variant {code}"
            for code in (
                *("S2A", "S2B", "S2C", "S2AD", "S2BD", "S2CD", "S2ADE", "S2BDE", "S2CDE"),
                *("2AF", "2ADF", "2ADEF", "2AEF", "2BF", "2BDF", "2BDEF", "2BEF"),
                *("2CF", "2CDF", "2CDEF", "2CEF"),
            )
        },
        "SPECL": "Special",
        "T": "Token prepayment",
    }
)


class Distributor(NamedTuple):
    mpid: str
    gsp_group: str
    area: str


# The fourteen DNO areas: distributor id (first two digits of the MPAN core) -> details.
DISTRIBUTORS = _frozen(
    {
        "10": Distributor("EELC", "_A", "Eastern"),
        "11": Distributor("EMEB", "_B", "East Midlands"),
        "12": Distributor("LOND", "_C", "London"),
        "13": Distributor("MANW", "_D", "Merseyside and North Wales"),
        "14": Distributor("MIDE", "_E", "Midlands"),
        "15": Distributor("NEEB", "_F", "North East"),
        "16": Distributor("NORW", "_G", "North West"),
        "17": Distributor("HYDE", "_P", "North Scotland"),
        "18": Distributor("SPOW", "_N", "South Scotland"),
        "19": Distributor("SEEB", "_J", "South East"),
        "20": Distributor("SOUT", "_H", "Southern"),
        "21": Distributor("SWAE", "_K", "South Wales"),
        "22": Distributor("SWEB", "_L", "South West"),
        "23": Distributor("YELG", "_M", "Yorkshire"),
    }
)

# The market participants the registry names (suppliers, agents, meter asset providers):
# MPID -> name, as in the industry's market participant table. The one table the
# screens read names from; distributors are added from DISTRIBUTORS below.
MARKET_PARTICIPANTS = _frozen(
    {
        # Suppliers
        "NLEN": "Northern Lights Energy",
        "BGAS": "British Gas Trading",
        "EDFE": "EDF Energy Customers",
        "OVOE": "OVO Electricity",
        "OCTO": "Octopus Energy",
        "EONU": "E.ON UK",
        # Meter operators
        "MTRW": "Meterwise Metering Services",
        "UKMO": "UK Meter Operations",
        "SIEM": "Siemens Metering Services",
        "LENG": "Lowri Engineering",
        # Data collectors and aggregators
        "UDMS": "Utility Data Management Services",
        "SMRT": "Smart Data Collection",
        "IMSV": "IMServ Europe",
        "PODA": "Power Data Aggregation",
        # Meter asset providers
        "MAPA": "Metering Assets A",
        "MAPB": "Metering Assets B",
        # The enquiry service itself
        "ECOE": "Electricity Central Online Enquiry Service",
    }
)

# Every distributor id a metering point may carry: the DNO areas, then the independent
# networks (IDNOs, 24-36), whose GSP group comes from the data, not from the id.
DISTRIBUTOR_IDS = _frozen(
    {
        **{code: f"{d.area} ({d.mpid})" for code, d in DISTRIBUTORS.items()},
        **{str(code): "Independent distribution network (IDNO)" for code in range(24, 37)},
    }
)

# GSP group id -> area name, derived from the DNO table above.
MARKET_PARTICIPANT_NAMES = _frozen(
    {**{d.mpid: f"{d.area} distribution" for d in DISTRIBUTORS.values()}, **MARKET_PARTICIPANTS}
)

GSP_GROUPS = _frozen(dict(sorted((d.gsp_group, d.area) for d in DISTRIBUTORS.values())))

YES_NO = _frozen({"Y": "Yes", "N": "No"})

SMETS_VERSIONS = _frozen({"SMETS1": "SMETS1", "SMETS2": "SMETS2"})

IHD_STATUSES = _frozen({"I": "Installed", "D": "Declined", "E": "Existing"})

REFRESH_TYPES = _frozen({"F": "Full refresh", "S": "Selective refresh"})

RELATIONSHIP_ACTIONS = _frozen({"A": "Add the relationship", "R": "Remove the relationship"})
