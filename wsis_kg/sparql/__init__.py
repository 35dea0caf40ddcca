"""SPARQL: the one lexer (``lexer``), the SERVICE/LOAD guard (``guard``), evaluation
(``evaluate``), the killable query processes (``pool``), the answer cache (``cache``), the query
service every read and write goes through (``service``) and the service description
(``description``).
"""
