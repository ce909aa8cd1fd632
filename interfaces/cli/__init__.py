"""The annoledger command line."""
