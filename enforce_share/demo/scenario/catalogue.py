"""Items of the Common High Priority List (chpl.csv) as they appear in diversion cases."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .spelling import Weighted

#: How often each CHPL tier shows up in seized shipments: integrated circuits lead.
TIER_WEIGHTS = {"1": 45, "2": 20, "3.A": 15, "3.B": 8, "4.A": 7, "4.B": 5}


@dataclass(frozen=True)
class Spec:
    """What shipments under one HS-6 heading hold: descriptions, ECCNs, unit, prices, sizes."""

    descriptions: tuple[str, ...]
    eccns: tuple[str, ...]  # first is the most common classification
    unit: str = "pcs"
    price: tuple[float, float] = (1.0, 50.0)  # per unit, USD
    quantity: tuple[int, int] = (100, 5000)


_ICS = ("3A991.a.2", "3A991.d", "3A001.a.7", "5A992.c", "EAR99")
#: Shipment specifics by HS-6 code (or a shorter prefix covering several codes).
SPECS: dict[str, Spec] = {
    "854231": Spec(("32-bit microcontrollers, ARM core, LQFP-64",
                    "field-programmable gate arrays, 50k logic cells, BGA",
                    "digital signal processors, 16-bit fixed point",
                    "application processors, quad-core, BGA package"), _ICS, price=(2, 400)),
    "854232": Spec(("NAND flash memory, 64 Gb", "DDR4 SDRAM, 8 Gb", "serial EEPROM, 256 kb",
                    "static RAM, radiation-tolerant, 4 Mb"),
                   ("3A991.b.1.a", "EAR99", "3A001.a.2.c"), price=(0.5, 60)),
    "854233": Spec(("precision operational amplifiers", "RF power amplifier MMICs, 2-6 GHz",
                    "low-noise amplifiers, 8-12 GHz"),
                   ("EAR99", "3A001.b.2", "3A991.c.4"), price=(1, 180)),
    "854239": Spec(("analog-to-digital converters, 16-bit, 1 MSPS", "GNSS receiver chipsets",
                    "voltage regulators, radiation-tolerant", "frequency synthesizers, PLL"),
                   ("3A001.a.5.a", "3A991.c.1", "7A994", "EAR99"), price=(2, 250)),
    "851762": Spec(("wireless transceiver modules, 2.4 GHz", "industrial Ethernet switch modules",
                    "satellite data modems"), ("5A992.c", "5A991.b", "EAR99"),
                   price=(15, 900), quantity=(10, 800)),
    "852691": Spec(("GNSS receiver modules, multi-constellation", "GNSS antennas with receiver"),
                   ("7A994", "7A005.b"), price=(20, 1500), quantity=(10, 600)),
    "8532": Spec(("tantalum capacitors, 47 uF", "multilayer ceramic capacitors, 0402, X7R"),
                 ("EAR99",), "pcs", (0.02, 3), (5000, 200000)),
    "854800": Spec(("electronic sub-assemblies", "printed circuit assemblies, populated"),
                   ("EAR99", "3A991.p"), price=(5, 300)),
    "847150": Spec(("server processing units, dual socket",), ("5A992.c", "4A994.b"), "units",
                   (900, 12000), (2, 60)),
    "850440": Spec(("DC-DC converter modules", "switch-mode power supplies, 500 W"),
                   ("EAR99", "3A991.e"), price=(8, 400), quantity=(20, 3000)),
    "851769": Spec(("software-defined radio modules",), ("5A991.b", "5A992.c"), "units",
                   (120, 3000), (5, 200)),
    "852589": Spec(("thermal imaging camera cores, 640x512", "daylight camera modules, 30x zoom"),
                   ("6A993.a", "6A003.b.4.b", "EAR99"), "units", (150, 6000), (5, 300)),
    "8529": Spec(("antennas and antenna parts", "parts of radio and radar apparatus"),
                 ("EAR99", "7A994"), price=(3, 200)),
    "8536": Spec(("RF coaxial connectors", "relays and switching parts"), ("EAR99",),
                 price=(0.3, 25), quantity=(500, 50000)),
    "8541": Spec(("power transistors, GaN, RF", "Schottky diodes", "photodiodes, InGaAs",
                  "MEMS accelerometers", "quartz crystal oscillators"),
                 ("EAR99", "3A001.b.3", "6A002.a.3", "7A994"), price=(0.1, 120),
                 quantity=(500, 40000)),
    "8482": Spec(("precision ball bearings", "tapered roller bearings", "cylindrical roller "
                  "bearings"), ("EAR99", "2A991.a"), price=(4, 350), quantity=(50, 5000)),
    "880730": Spec(("parts of unmanned aircraft, airframe components",
                    "UAV flight controller assemblies"), ("9A991.d", "EAR99"), "units",
                   (40, 2500), (5, 400)),
    "9013": Spec(("telescopic sights", "optical periscopes", "laser rangefinder optics"),
                 ("0A987", "6A004.a", "EAR99"), "units", (80, 4000), (5, 200)),
    "9014": Spec(("inertial navigation instruments", "aeronautical navigation instruments"),
                 ("7A994", "7A003.a"), "units", (200, 25000), (2, 80)),
    "847180": Spec(("storage units for data-processing machines",), ("5A992.c", "4A994"),
                   "units", (200, 4000), (5, 150)),
    "8486": Spec(("wafer processing equipment", "semiconductor deposition equipment parts"),
                 ("3B001.e", "3B991.b", "EAR99"), "units", (5000, 400000), (1, 6)),
    "853400": Spec(("printed circuit boards, multilayer, bare",), ("EAR99",),
                   price=(1, 90), quantity=(200, 20000)),
    "9030": Spec(("oscilloscopes, 1 GHz bandwidth", "digital multimeters with data logging",
                  "signal analyzers", "semiconductor wafer probers"),
                 ("3A992.a", "3A002.a.5", "EAR99", "3B992.b"), "units", (300, 45000), (1, 50)),
    "854320": Spec(("signal generators, 20 GHz",), ("3A992.a", "3A002.d.1"), "units",
                   (2000, 60000), (1, 20)),
    "902750": Spec(("spectrometers using optical radiation",), ("EAR99", "6A005.b"), "units",
                   (1500, 40000), (1, 10)),
    "84": Spec(("CNC machining centres, 5-axis", "numerically controlled lathes",
                "CNC milling machines", "spindle assemblies and machine-tool parts"),
               ("2B991.d", "2B001.b.2", "EAR99"), "units", (3000, 350000), (1, 12)),
}


@dataclass(frozen=True)
class Heading:
    """One line of the CHPL: tier, HS-6 code and the group it belongs to."""

    tier: str
    hs6: str
    group: str


@cache
def headings() -> tuple[Heading, ...]:
    """The CHPL as shipped with this package (chpl.csv)."""
    text = resources.files(__package__).joinpath("chpl.csv").read_text(encoding="utf-8")
    return tuple(Heading(row["tier"], row["hs6"], row["group"])
                 for row in csv.DictReader(io.StringIO(text)))


@cache
def _by_weight() -> Weighted[Heading]:
    rows = headings()
    sizes = {tier: sum(1 for row in rows if row.tier == tier) for tier in TIER_WEIGHTS}
    # each tier gets its share, split evenly over its codes (scaled to stay integral)
    return Weighted([(row, TIER_WEIGHTS[row.tier] * 1000 // sizes[row.tier]) for row in rows])


def heading(rng: random.Random) -> Heading:
    """A CHPL heading, tier 1 most often."""
    return _by_weight().pick(rng)


def spec(hs6: str) -> Spec:
    """The shipment specifics of ``hs6`` (longest matching prefix in SPECS)."""
    for length in (6, 4, 2):
        found = SPECS.get(hs6[:length])
        if found:
            return found
    raise KeyError(hs6)


def item(rng: random.Random, currency: str, rate: float) -> dict:
    """One item line of a violation: HS code, ECCN, description, quantity and value."""
    row = heading(rng)
    shape = spec(row.hs6)
    hs_code = row.hs6 + rng.choice(("", "", "00", "90", "0000", "9000"))
    quantity = rng.randint(*shape.quantity)
    if quantity > 1000:
        quantity = round(quantity, -2)
    unit_price = rng.uniform(*shape.price)
    line: dict = {"hs_code": hs_code, "description": rng.choice(shape.descriptions),
                  "quantity": quantity, "unit": shape.unit}
    if rng.random() < 0.9:
        line["eccn"] = shape.eccns[0] if rng.random() < 0.5 else rng.choice(shape.eccns)
    if rng.random() < 0.85:
        line["value"] = {"amount": round(quantity * unit_price * rate, 2), "currency": currency}
    return line
