"""The graph as a whole: building it (``build``), reasoning (``reasoning``), the OWL consistency
check (``consistency``), dumps (``dump``), the dataset description (``void``), the ontology and
shapes documentation (``docs``) and the example query catalogue (``catalogue``).
"""
