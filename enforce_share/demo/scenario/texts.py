"""Wording of the scenario's records: authorities, legal bases, red flags, indicators, sources."""

from __future__ import annotations

from enforce_share.records.schema import PROCUREMENT_METHODS, VIOLATION_TYPES

from .spelling import Weighted

#: Who takes each kind of enforcement action, per agency ("*" for the rest).
AUTHORITIES: dict[str, dict[str, str]] = {
    "USA": {"*": "BIS Office of Export Enforcement", "indictment": "U.S. Department of Justice",
            "conviction": "U.S. Department of Justice",
            "entity_listing": "BIS End-User Review Committee"},
    "GBR": {"*": "HM Revenue & Customs", "detention": "Border Force",
            "penalty": "Office of Trade Sanctions Implementation",
            "public_identification": "Office of Trade Sanctions Implementation",
            "entity_listing": "Foreign, Commonwealth & Development Office",
            "indictment": "Crown Prosecution Service", "conviction": "Crown Prosecution Service"},
    "CAN": {"*": "Canada Border Services Agency", "entity_listing": "Global Affairs Canada",
            "indictment": "Public Prosecution Service of Canada",
            "conviction": "Public Prosecution Service of Canada"},
    "AUS": {"*": "Australian Border Force", "entity_listing": "DFAT Australian Sanctions Office",
            "indictment": "Commonwealth Director of Public Prosecutions",
            "conviction": "Commonwealth Director of Public Prosecutions"},
    "NZL": {"*": "New Zealand Customs Service",
            "entity_listing": "Ministry of Foreign Affairs and Trade",
            "indictment": "Crown Law Office", "conviction": "Crown Law Office"},
}
REFERENCE_PREFIX = {"USA": "OEE", "GBR": "HMRC", "CAN": "CBSA", "AUS": "ABF", "NZL": "NZCS"}
CURRENCY = {"USA": "USD", "GBR": "GBP", "CAN": "CAD", "AUS": "AUD", "NZL": "NZD"}
#: Units of each currency per US dollar (rough, fixed: values only need to be plausible).
RATES = {"USD": 1.0, "GBP": 0.79, "CAD": 1.36, "AUD": 1.52, "NZD": 1.65, "EUR": 0.92}

LEGAL_BASIS: dict[str, tuple[str, ...]] = {
    "USA": ("Export Administration Regulations, 15 CFR 746.8 (Russia and Belarus)",
            "15 CFR 764.2 (violations)", "Export Control Reform Act of 2018, 50 U.S.C. 4819",
            "15 CFR 744.21 (military end use and end users)"),
    "GBR": ("Russia (Sanctions) (EU Exit) Regulations 2019, reg. 46B",
            "Customs and Excise Management Act 1979, s.68", "Export Control Order 2008"),
    "CAN": ("Special Economic Measures (Russia) Regulations, s.3.3",
            "Export and Import Permits Act", "Customs Act, s.153"),
    "AUS": ("Autonomous Sanctions Regulations 2011, reg. 4A", "Customs Act 1901, s.112",
            "Autonomous Sanctions Act 2011, s.16"),
    "NZL": ("Russia Sanctions Act 2022", "Russia Sanctions Regulations 2022",
            "Customs and Excise Act 2018"),
}
DECLARATIONS = {"USA": "AES/EEI export filings", "GBR": "CDS export declarations",
                "CAN": "CERS export declarations", "AUS": "ICS export declarations",
                "NZL": "NZ Customs export entries"}
SOURCES = ("bill of lading and shipping manifest", "commercial invoice and packing list",
           "open-source trade data", "partner agency referral", "financial intelligence report",
           "company registry extract", "e-commerce platform order records",
           "interview with exporter's compliance officer")

RED_FLAGS = (
    "Consignee registered less than a year before the first order",
    "Consignee has no website or trading history in the sector",
    "Registered address is a residential flat or a virtual office",
    "Several recently registered importers share one address and telephone number",
    "Payment made by a third party in another country with no stated role",
    "Freight forwarder named as the ultimate consignee",
    "Declared value well below the market price of the items",
    "Items inconsistent with the consignee's stated line of business",
    "Order split into several shipments of similar value",
    "Customer reluctant to give end-use or end-user information",
    "Goods routed through a transit country with a history of diversion to Russia",
    "End-user statement signed by a company with no link to the consignee",
    "Same items ordered again after a previous shipment was detained",
    "Requested delivery to a bonded warehouse near the Russian border",
    "Email domain of the buyer registered weeks before the order",
)
INDICATORS = (
    "Sharp rise in exports of the listed HS codes to transit countries since 2022",
    "New importers in transit hubs with Russian-national directors",
    "Re-exports by air freight within days of arrival",
    "Payments routed through banks in a third country",
    "Invoices in roubles or yuan for goods priced in dollars",
    "Declared consignees that also appear on earlier detained shipments",
    "Orders placed through online marketplaces and paid by card",
    "Misdeclared HS codes on re-export declarations",
    "Small parcels below de minimis thresholds from distributors",
    "Freight forwarders newly registered in free zones",
)
#: How violations are classified: re-export diversion and transshipment dominate.
VIOLATION_KINDS = Weighted([(kind, weight) for kind, weight in zip(VIOLATION_TYPES, (
    # unlicensed_export, reexport_diversion, transshipment, entity_list_violation,
    # sanctions_evasion, false_statement, misclassification, undervaluation,
    # false_end_use_certification, other
    14, 22, 20, 6, 14, 6, 6, 5, 6, 1), strict=True)])
METHODS = Weighted([(method, weight) for method, weight in zip(PROCUREMENT_METHODS, (
    # transshipment_third_country, front_company, shell_company_network, false_end_user,
    # mislabeling, undervaluation, split_shipments, e_commerce_platform,
    # freight_forwarder_abuse, third_country_payment, crypto_payment, hand_carry, other
    20, 16, 8, 8, 5, 5, 6, 5, 10, 8, 3, 3, 1), strict=True)])
#: Short labels of CHPL groups for titles, by HS-4 heading (else the CSV group is used).
LABELS = {"8542": "integrated circuits", "8517": "communications modules",
          "8526": "GNSS receivers", "8532": "capacitors", "8541": "semiconductor devices",
          "8482": "bearings", "8807": "UAV parts", "9013": "optical sights",
          "9014": "navigation instruments", "8486": "semiconductor equipment",
          "9030": "test instruments", "8457": "machining centres", "8458": "CNC lathes",
          "8459": "CNC milling machines", "8466": "machine-tool parts",
          "8471": "computer hardware", "8504": "power converters",
          "8525": "camera modules", "8529": "antenna parts", "8536": "connectors",
          "8534": "printed circuit boards", "8543": "signal generators",
          "9027": "optical instruments", "8548": "electronic assemblies"}
CODENAME = (("Amber", "Northern", "Silent", "Copper", "Granite", "Harbour", "Iron", "Midnight",
             "Quiet", "Silver", "Frost", "Cobalt", "Crimson", "Distant", "Hollow", "Tidal"),
            ("Relay", "Lattice", "Conduit", "Anchor", "Circuit", "Bridge", "Ledger", "Compass",
             "Meridian", "Prism", "Signal", "Gateway", "Cascade", "Junction", "Spindle"))
WITHDRAWAL_REASONS = (
    "Entered in error: duplicate of an earlier record.",
    "Consignee misidentified; the corrected report follows separately.",
    "Withdrawn pending legal review at the originating investigator's request.",
    "Source reporting could not be corroborated.",
)
