"""Standard exports: STIX 2.1, CSV and the TAXII 2.1 view of records a caller may see."""
