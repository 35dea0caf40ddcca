"""The generic importer of UN resolution texts (layout, footnote markers, citations)."""
