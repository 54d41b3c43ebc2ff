"""Joint-investigation briefs: a case's records, as a viewer's agency may see them, in PDF,
HTML, Markdown or a signed bundle."""
