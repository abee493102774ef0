"""CME Ledger: earned continuing-education credit, claims and certificates.

The package is shared by every Lambda function through the layer. Importing it is cheap:
clients, table bindings and heavy libraries are created on first use.
"""
