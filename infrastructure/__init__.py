"""Adapters: persistence, codecs, snapshot and media stores, integrity chain, formats."""
